package connectpb

import (
	"context"
	"fmt"

	"github.com/coder/websocket"
	"google.golang.org/protobuf/proto"
)

// The protocol's fixed names, shared by the worker and the gateway.
const (
	// Subprotocol is the WebSocket subprotocol both sides ask for.
	Subprotocol = "v0.connect.inngest.com"
	// StartPath is the API path a worker POSTs a StartRequest to.
	StartPath = "/v0/connect/start"
	// FlushPath is the API path a worker POSTs a Reply to when the
	// connection that should carry it is gone.
	FlushPath = "/v0/connect/flush"
	// ContentType is the content type of the start and flush bodies.
	ContentType = "application/protobuf"
	// ShutdownReason is the close reason of a worker that stops for good,
	// with websocket.StatusNormalClosure.
	ShutdownReason = "WORKER_SHUTDOWN"
)

// ReadLimit bounds one frame: a reply carries a step's output, which the
// server caps well under it.
const ReadLimit = 32 << 20

// Read reads one frame into env.
func Read(ctx context.Context, c *websocket.Conn, env *Envelope) error {
	typ, b, err := c.Read(ctx)
	if err != nil {
		return err
	}
	if typ != websocket.MessageBinary {
		return fmt.Errorf("connect: a text frame where a binary one was expected")
	}
	if err := proto.Unmarshal(b, env); err != nil {
		return fmt.Errorf("connect: malformed frame: %w", err)
	}
	return nil
}

// Write sends one frame of kind with msg (which may be nil) as payload.
func Write(ctx context.Context, c *websocket.Conn, kind Kind, msg proto.Message) error {
	var payload []byte
	if msg != nil {
		var err error
		if payload, err = proto.Marshal(msg); err != nil {
			return fmt.Errorf("connect: encoding %s: %w", kind, err)
		}
	}
	b, err := proto.Marshal(&Envelope{Kind: kind, Payload: payload})
	if err != nil {
		return fmt.Errorf("connect: encoding %s: %w", kind, err)
	}
	return c.Write(ctx, websocket.MessageBinary, b)
}
