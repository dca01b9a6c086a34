package demo

import (
	"context"
	"io"
	"log/slog"
	"os"
	"time"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/connect"
	"github.com/durablefn/inngest/devserver"
)

// EmbedConnect is Embed with the app served by a Connect worker instead of
// an HTTP handler: the embedded orchestrator's gateway carries its calls.
// The returned function drains the worker, then closes the orchestrator.
func EmbedConnect(ctx context.Context, appID string, register func(*inngest.Client) error) (*Env, func(), error) {
	srv, err := devserver.New(devserver.Config{TimeSkipping: true})
	if err != nil {
		return nil, nil, err
	}
	if err := srv.Start(ctx); err != nil {
		return nil, nil, err
	}
	closeSrv := func() {
		cctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = srv.Close(cctx)
	}
	client, err := inngest.NewClient(inngest.ClientConfig{
		AppID: appID, Dev: srv.URL(), HTTPClient: srv.HTTPClient(),
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err == nil {
		err = register(client)
	}
	var w *connect.Worker
	if err == nil {
		w, err = connect.New(client, &connect.Config{InstanceID: appID + "-demo"})
	}
	if err != nil {
		closeSrv()
		return nil, nil, err
	}
	wctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(wctx) }()
	closeFn := func() {
		stop()
		if err := <-done; err != nil {
			slog.Error("demo: the Connect worker stopped with an error", "error", err)
		}
		closeSrv()
	}
	rctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := w.Ready(rctx); err != nil {
		closeFn()
		return nil, nil, err
	}
	return &Env{Client: client, Server: srv, Out: os.Stdout}, closeFn, nil
}
