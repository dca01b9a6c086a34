package inngesttest

import (
	"context"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/connect"
)

// ServeConnect serves the functions of client c through a Connect worker
// instead of in-process HTTP, as an app that dials out would be served,
// and waits until the worker is connected. The worker drains when the
// test ends. cfg may be nil; without an InstanceID the worker is named
// after the app. c must send to the environment, as for Serve.
func (e *Env) ServeConnect(c *inngest.Client, cfg *connect.Config) *connect.Worker {
	e.tb.Helper()
	var wc connect.Config
	if cfg != nil {
		wc = *cfg
	}
	if wc.InstanceID == "" {
		wc.InstanceID = "inngesttest-" + c.AppID()
	}
	w, err := connect.New(c, &wc)
	if err != nil {
		e.tb.Fatalf("inngesttest: ServeConnect: %v", err)
	}
	e.mu.Lock()
	e.served[c] = true
	e.mu.Unlock()
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	e.tb.Cleanup(func() {
		stop()
		if err := <-done; err != nil {
			e.tb.Errorf("inngesttest: the Connect worker of %q: %v", c.AppID(), err)
		}
	})
	rctx, cancel := e.ctx()
	defer cancel()
	if err := w.Ready(rctx); err != nil {
		e.tb.Fatalf("inngesttest: ServeConnect: the worker of %q did not connect: %v", c.AppID(), err)
	}
	return w
}
