package main

import (
	"context"
	"log/slog"
	"os"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/connect"
)

// serveConnect serves the fixture through a Connect worker until ctx
// ends, then drains it. The instance ID is $CONNECT_INSTANCE_ID, else
// the hostname.
func serveConnect(ctx context.Context, client *inngest.Client) error {
	w, err := connect.New(client, &connect.Config{InstanceID: os.Getenv("CONNECT_INSTANCE_ID")})
	if err != nil {
		return err
	}
	slog.Info("serving through Connect", "dev", client.Dev())
	return w.Run(ctx)
}
