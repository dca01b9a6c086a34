package devserver_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/devserver"
	"github.com/durablefn/inngest/middleware"
	"github.com/durablefn/inngest/step"
)

// syncBuffer is a bytes.Buffer safe for concurrent writers.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestLoggingParallelStartsOnce runs a function with parallel steps, each
// run by a targeted call with nothing memoized, and checks that the
// Logging middleware logs the run's start once.
func TestLoggingParallelStartsOnce(t *testing.T) {
	var out syncBuffer
	logging := middleware.NewLogging(middleware.LoggingConfig{Logger: slog.New(slog.NewTextHandler(&out, nil))})
	srv := startServer(t, devserver.Config{NoListener: true, TimeSkipping: true})
	inProcApp(t, srv, "app", func(c *inngest.Client) {
		_, err := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "fn", Middleware: []middleware.Middleware{logging}}, inngest.OnEvent("test/go"),
			func(ctx context.Context, in inngest.Input[map[string]any]) (string, error) {
				got, err := step.Parallel(ctx,
					func(ctx context.Context) (string, error) {
						return step.Run(ctx, "a", func(ctx context.Context) (string, error) { return "A", nil })
					},
					func(ctx context.Context) (string, error) {
						return step.Run(ctx, "b", func(ctx context.Context) (string, error) { return "B", nil })
					},
					func(ctx context.Context) (string, error) {
						return step.Run(ctx, "c", func(ctx context.Context) (string, error) { return "C", nil })
					},
				)
				return strings.Join(got, ""), err
			})
		require.NoError(t, err)
	})
	r := oneRun(t, srv, send(t, srv, "test/go", map[string]any{}))
	require.Equal(t, devserver.StatusCompleted, r.Status, devserver.FormatTimeline(r))
	require.JSONEq(t, `"ABC"`, string(r.Output))
	logs := out.String()
	require.Equal(t, 1, strings.Count(logs, `msg="function started"`), logs)
	require.Equal(t, 1, strings.Count(logs, `msg="function finished"`), logs)
	require.Equal(t, 3, strings.Count(logs, `msg="step finished"`), logs)
}
