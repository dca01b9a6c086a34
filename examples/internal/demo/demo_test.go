package demo

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// The real server's runs API can report Completed (one parallel step
// done) or Failed (a retry pending) for a run that goes on; served mode
// must wait for ended_at.
func TestServedModeWaitsForEndedAt(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		require.Equal(t, "/v1/events/ev1/runs", r.URL.Path)
		if calls.Add(1) < 3 {
			_, _ = w.Write([]byte(`{"data":[{"run_id":"r1","function_id":"f","status":"Completed","run_started_at":"2026-01-01T00:00:00Z","ended_at":null}]}`))
			return
		}
		_, _ = w.Write([]byte(`{"data":[{"run_id":"r1","function_id":"f","status":"Failed","run_started_at":"2026-01-01T00:00:00Z","ended_at":"2026-01-01T00:00:42Z","output":{"name":"Error"}}]}`))
	}))
	defer srv.Close()
	t.Setenv("INNGEST_API_ORIGIN", srv.URL)

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	runs, err := (&Env{}).WaitForEventRuns(ctx, "ev1", 1)
	require.NoError(t, err)
	require.Len(t, runs, 1)
	require.Equal(t, "Failed", runs[0].Status)
	require.Equal(t, 42*time.Second, runs[0].Duration)
	require.EqualValues(t, 3, calls.Load())
}

// A batch run shows up under one of its events only.
func TestServedModeFindsBatchRunsThroughAnyEvent(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/v1/events/e3/runs":
			_, _ = w.Write([]byte(`{"data":[{"run_id":"r1","status":"Completed","ended_at":"2026-01-01T00:00:05Z","output":3}]}`))
		default:
			_, _ = w.Write([]byte(`{"data":[]}`))
		}
	}))
	defer srv.Close()
	t.Setenv("INNGEST_API_ORIGIN", srv.URL)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	runs, err := (&Env{}).WaitRunsOf(ctx, []string{"e1", "e2", "e3"}, 1)
	require.NoError(t, err)
	require.Len(t, runs, 1)
	require.Equal(t, "r1", runs[0].ID)
}
