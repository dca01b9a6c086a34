package connect

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"runtime"
	"time"

	"github.com/coder/websocket"
	"github.com/durablefn/inngest/internal/connectpb"
	"github.com/durablefn/inngest/internal/wire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// stepURL is the URL functions name as their steps' URL over Connect: the
// server takes each call's function slug from its fnId.
const stepURL = "ws://connect"

// helloParts is what every WORKER_CONNECT repeats.
type helloParts struct {
	capabilities []byte
	started      time.Time
}

func newHelloParts(Config) helloParts {
	capabilities, _ := json.Marshal(wire.Capabilities{InBandSync: "v1", Connect: "v1"})
	return helloParts{capabilities: capabilities, started: time.Now()}
}

// open asks the server for a gateway, dials it and shakes hands.
func (w *Worker) open(ctx context.Context) (*session, error) {
	var start connectpb.StartResponse
	if err := w.post(ctx, connectpb.StartPath, &connectpb.StartRequest{}, &start); err != nil {
		if errors.Is(err, errUnauthorized) {
			return nil, &fatalError{fmt.Errorf("starting a connection: %w", err)}
		}
		return nil, fmt.Errorf("starting a connection: %w", err)
	}
	gw, err := url.Parse(start.GetGatewayEndpoint())
	if err == nil && w.cfg.RewriteGatewayURL != nil {
		gw, err = w.cfg.RewriteGatewayURL(gw)
	}
	if err != nil {
		return nil, fmt.Errorf("the gateway URL %q: %w", start.GetGatewayEndpoint(), err)
	}
	client := *w.app.Config.HTTPClient
	client.Timeout = 0 // the dial's context bounds it; the websocket package refuses a client timeout
	dialCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	ws, resp, err := websocket.Dial(dialCtx, gw.String(), &websocket.DialOptions{
		HTTPClient:   &client,
		Subprotocols: []string{connectpb.Subprotocol},
	})
	if resp != nil && resp.Body != nil {
		_ = resp.Body.Close() // the refusal's body; an accepted dial leaves none
	}
	if err != nil {
		return nil, fmt.Errorf("dialing the gateway %s: %w", gw.Redacted(), err)
	}
	ws.SetReadLimit(connectpb.ReadLimit)
	ready, err := w.handshake(ctx, ws, &start)
	if err != nil {
		_ = ws.CloseNow()
		return nil, err
	}
	return newSession(w, ws, ready), nil
}

// handshake reads the gateway's hello, sends the worker's and waits for
// the gateway to be ready, which it is once the app is synced.
func (w *Worker) handshake(ctx context.Context, ws *websocket.Conn, start *connectpb.StartResponse) (*connectpb.Ready, error) {
	var env connectpb.Envelope
	helloCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := connectpb.Read(helloCtx, ws, &env); err != nil {
		return nil, fmt.Errorf("waiting for the gateway's hello: %w", err)
	}
	if env.Kind != connectpb.Kind_GATEWAY_HELLO {
		return nil, fmt.Errorf("the gateway sent %s before its hello", env.Kind)
	}
	hello, err := w.helloMessage(start)
	if err != nil {
		return nil, &fatalError{err}
	}
	if err := connectpb.Write(ctx, ws, connectpb.Kind_WORKER_CONNECT, hello); err != nil {
		return nil, fmt.Errorf("sending the worker's hello: %w", err)
	}
	readyCtx, cancel2 := context.WithTimeout(ctx, 30*time.Second)
	defer cancel2()
	if err := connectpb.Read(readyCtx, ws, &env); err != nil {
		return nil, fmt.Errorf("waiting for the gateway to be ready: %w", err)
	}
	switch env.Kind {
	case connectpb.Kind_GATEWAY_CONNECTION_READY:
	case connectpb.Kind_SYNC_FAILED:
		var f connectpb.Failure
		_ = proto.Unmarshal(env.Payload, &f)
		return nil, &fatalError{fmt.Errorf("the server refused the app's configuration: %s (%s)", f.GetMessage(), f.GetCode())}
	default:
		return nil, fmt.Errorf("the gateway sent %s where it should be ready", env.Kind)
	}
	var ready connectpb.Ready
	if err := proto.Unmarshal(env.Payload, &ready); err != nil {
		return nil, fmt.Errorf("the gateway's ready message: %w", err)
	}
	return &ready, nil
}

// helloMessage is the WORKER_CONNECT payload.
func (w *Worker) helloMessage(start *connectpb.StartResponse) (*connectpb.Hello, error) {
	cfg := w.app.Config
	fns, err := json.Marshal(w.app.SyncFunctions(stepURL))
	if err != nil {
		return nil, fmt.Errorf("encoding the functions' configuration: %w", err)
	}
	a := &connectpb.App{Name: cfg.AppID, FunctionsJson: fns}
	if cfg.AppVersion != "" {
		a.Version = proto.String(cfg.AppVersion)
	}
	h := &connectpb.Hello{
		ConnectionId:     start.GetConnectionId(),
		InstanceId:       w.cfg.InstanceID,
		Credentials:      &connectpb.Credentials{SessionToken: start.GetSessionToken(), SyncToken: start.GetSyncToken()},
		CapabilitiesJson: w.hello.capabilities,
		Apps:             []*connectpb.App{a},
		Machine:          &connectpb.Machine{CpuCores: int32(runtime.NumCPU()), Os: runtime.GOOS},
		Framework:        "connect",
		SdkVersion:       wire.SDKVersion,
		SdkLanguage:      wire.SDKLanguage,
		StartedAt:        timestamppb.New(w.hello.started),
		MaxConcurrency:   proto.Int64(int64(w.cfg.MaxWorkerConcurrency)),
	}
	if cfg.Env != "" {
		h.Env = proto.String(cfg.Env)
	}
	return h, nil
}
