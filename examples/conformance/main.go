// Command conformance serves the protocol fixture app used to check this
// SDK against an Inngest server: app "conformance-golang" at /api/inngest
// on 127.0.0.1:$PORT (default 3000), with keys from INNGEST_* variables.
//
//	INNGEST_DEV=http://127.0.0.1:8288 go run ./examples/conformance
//
// In dev mode it also registers itself with the server at start-up.
//
// With CONNECT=1 it serves the same functions through a Connect worker
// instead, dialing the server's gateway; it then needs no port:
//
//	CONNECT=1 INNGEST_DEV=http://127.0.0.1:8288 go run ./examples/conformance
package main

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"time"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/handler"
)

func main() {
	if err := run(); err != nil {
		slog.Error("conformance", "error", err)
		os.Exit(1)
	}
}

func run() error {
	client, err := inngest.NewClient(inngest.ClientConfig{AppID: AppID})
	if err != nil {
		return err
	}
	if err := register(client); err != nil {
		return err
	}
	if os.Getenv("CONNECT") == "1" {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
		defer stop()
		return serveConnect(ctx, client)
	}
	port := os.Getenv("PORT")
	if port == "" {
		port = "3000"
	}
	addr := net.JoinHostPort("127.0.0.1", port)
	h := handler.New(client, handler.Config{})
	mux := http.NewServeMux()
	mux.Handle("/api/inngest", h)
	srv := &http.Server{Addr: addr, Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", addr)
	if err != nil {
		return err
	}
	slog.Info("serving", "url", "http://"+addr+"/api/inngest", "dev", client.Dev())

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	if client.Dev() {
		go syncWithRetry(ctx, h, "http://"+addr+"/api/inngest")
	}
	select {
	case err := <-errc:
		if !errors.Is(err, http.ErrServerClosed) {
			return err
		}
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return srv.Shutdown(sctx)
}

// syncWithRetry registers the app, retrying with backoff while the server
// is not up yet.
func syncWithRetry(ctx context.Context, h *handler.Handler, appURL string) {
	delay := 250 * time.Millisecond
	for attempt := 1; ; attempt++ {
		err := h.Sync(ctx, appURL)
		if err == nil {
			slog.Info("synced", "url", appURL)
			return
		}
		if attempt == 1 || attempt%10 == 0 {
			slog.Warn("sync failed; retrying", "error", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(delay):
		}
		delay = min(delay*2, 5*time.Second)
	}
}
