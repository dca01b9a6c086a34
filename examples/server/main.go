// Command server is a service to copy: functions served at /api/inngest
// over net/http, configured from the environment, shut down gracefully on
// SIGINT or SIGTERM. Everything is in this file, top to bottom: the
// event, the function, then the server.
//
// Against a local Inngest Dev Server (npx inngest-cli dev, or go run
// ./cmd/inngest-dev), which it syncs with at start-up:
//
//	INNGEST_DEV=1 go run ./examples/server
//
// Against Inngest Cloud or a self-hosted server:
//
//	INNGEST_SIGNING_KEY=signkey-prod-... INNGEST_EVENT_KEY=... go run ./examples/server
//
// The client reads every other setting from the environment too
// (INNGEST_ENV, INNGEST_BASE_URL, INNGEST_SERVE_ORIGIN, ...; see
// inngest.ClientConfig). PORT sets the port, 3000 by default, and
// APP_URL the URL the server reaches this service at, to sync with at
// start-up (default http://localhost:$PORT/api/inngest, right for a
// local dev server).
//
// The handler is a plain http.Handler, so mounting it on a router such as
// chi is the same one line: r.Handle("/api/inngest", h).
package main

import (
	"cmp"
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/handler"
	"github.com/durablefn/inngest/step"
)

// OrderPlaced is the event that starts the function. Declaring it once
// with its data type lets the compiler check every use.
var OrderPlaced = inngest.EventType[Order]("shop/order.placed")

// Order is OrderPlaced's data.
type Order struct {
	ID    string `json:"id"`
	Email string `json:"email"`
	Total int    `json:"total"`
}

// OrderShipped is sent once an order's parcel is booked.
var OrderShipped = inngest.EventType[Order]("shop/order.shipped")

// register creates the service's functions on client.
func register(client *inngest.Client) error {
	_, err := inngest.CreateFunction(client,
		inngest.FunctionOpts{ID: "fulfil-order", Retries: inngest.Ptr(5)},
		OrderPlaced.Trigger(),
		func(ctx context.Context, in inngest.Input[Order]) (string, error) {
			order := in.Event.Data
			parcel, err := step.Run(ctx, "book-parcel", func(ctx context.Context) (string, error) {
				return "parcel-" + order.ID, nil // call the carrier's API here
			})
			if err != nil {
				return "", err
			}
			if _, err := step.SendEvent(ctx, "announce-shipping", OrderShipped.New(order)); err != nil {
				return "", err
			}
			return parcel, nil
		})
	return err
}

func main() {
	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))
	// ctx ends on the first SIGINT or SIGTERM; a second one kills the
	// process at once.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	context.AfterFunc(ctx, stop) // from then on the signals kill as usual

	port := cmp.Or(os.Getenv("PORT"), "3000")
	ln, err := new(net.ListenConfig).Listen(ctx, "tcp", ":"+port)
	if err == nil {
		appURL := cmp.Or(os.Getenv("APP_URL"), "http://localhost:"+port+"/api/inngest")
		err = run(ctx, ln, appURL, logger)
	}
	if err != nil {
		logger.Error("server failed", "error", err)
		os.Exit(1)
	}
}

// run serves the functions on ln until ctx ends, then shuts down
// gracefully. In dev mode it syncs with the dev server at appURL first.
func run(ctx context.Context, ln net.Listener, appURL string, logger *slog.Logger) error {
	// Keys, dev mode and origins come from the environment (INNGEST_DEV,
	// INNGEST_SIGNING_KEY, INNGEST_EVENT_KEY, ...).
	client, err := inngest.NewClient(inngest.ClientConfig{AppID: "shop", Logger: logger})
	if err != nil {
		return err
	}
	if err := register(client); err != nil {
		return err
	}
	h := handler.New(client, handler.Config{})

	mux := http.NewServeMux()
	mux.Handle("/api/inngest", h)
	srv := &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 10 * time.Second,
		// No WriteTimeout: a call runs a step's code, which may take
		// minutes; the Inngest server bounds it on its side.
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	logger.Info("serving", "addr", ln.Addr().String(), "dev", client.Dev())

	// A dev server finds the app once told where it is. In cloud mode,
	// sync from the dashboard or your deploy instead.
	if client.Dev() {
		if err := h.Sync(ctx, appURL); err != nil {
			logger.Warn("sync failed; the dev server can still sync this app from its UI", "url", appURL, "error", err)
		}
	}

	select {
	case err := <-served:
		return err // the listener failed: nothing to shut down
	case <-ctx.Done():
	}
	// Let calls in flight finish: a step cut off would run again on the
	// next attempt. Kubernetes waits 30s after SIGTERM by default.
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 25*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return err
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	logger.Info("shut down")
	return nil
}
