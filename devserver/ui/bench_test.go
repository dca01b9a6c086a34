package ui_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/durablefn/inngest/devserver"
)

// BenchmarkRunsPage renders the runs list of 100 runs (the default
// limit) out of 1,000: what every live refresh of the page costs.
func BenchmarkRunsPage(b *testing.B) {
	f := newFixture(b, devserver.Config{NoListener: true})
	demoApp(b, f.srv)
	for range 1000 {
		send(b, f.srv, "demo/hello", map[string]any{"name": "Ada"})
	}
	require.NoError(b, f.srv.WaitIdle(ctxT(b)))
	benchPage(b, f, "/runs")
}

// BenchmarkRunPage renders one run's page with its waterfall.
func BenchmarkRunPage(b *testing.B) {
	f := newFixture(b, devserver.Config{NoListener: true})
	demoApp(b, f.srv)
	r := ended(b, f.srv, send(b, f.srv, "demo/hello", map[string]any{"name": "Ada"}))
	benchPage(b, f, "/runs/"+r.ID)
}

func benchPage(b *testing.B, f *fixture, path string) {
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		w := httptest.NewRecorder()
		f.ui.ServeHTTP(w, httptest.NewRequest(http.MethodGet, path, nil))
		if w.Code != http.StatusOK {
			b.Fatalf("%s: %d", path, w.Code)
		}
	}
}
