package connect_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/connect"
)

// startWorker runs a worker for c until the test ends, and waits until it
// is connected. stop drains it and returns Run's error.
func startWorker(t *testing.T, c *inngest.Client, cfg *connect.Config) (w *connect.Worker, stop func() error) {
	t.Helper()
	if cfg == nil {
		cfg = &connect.Config{}
	}
	if cfg.InstanceID == "" {
		cfg.InstanceID = "test-worker"
	}
	if cfg.Backoff == nil {
		cfg.Backoff = func(int) time.Duration { return 0 }
	}
	w, err := connect.New(c, cfg)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	stopped := false
	stop = func() error {
		if stopped {
			return nil
		}
		stopped = true
		cancel()
		return <-done
	}
	t.Cleanup(func() { _ = stop() })
	rctx, rcancel := context.WithTimeout(context.Background(), waitTimeout)
	defer rcancel()
	if err := w.Ready(rctx); err != nil {
		cancel()
		t.Fatalf("the worker did not connect: %v", errors.Join(err, <-done))
	}
	return w, stop
}

// recv waits for a value on ch, failing the test after waitTimeout.
func recv[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(waitTimeout):
		t.Fatalf("timed out waiting for %s", what)
		var zero T
		return zero
	}
}
