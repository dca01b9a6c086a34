package devserver

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/coder/websocket"
	"github.com/durablefn/inngest/internal/connectpb"
	"github.com/durablefn/inngest/internal/wire"
	"google.golang.org/protobuf/proto"
)

// gwConn is one worker's connection to the gateway.
type gwConn struct {
	g      *connectGateway
	ws     *websocket.Conn
	hello  *connectpb.Hello
	apps   []string
	max    int64 // most calls at once; 0 for no limit
	active int64 // calls sent and not yet answered; guarded by g.mu
	paused bool  // the worker asked for no more calls; guarded by g.mu
	gone   chan struct{}
	goneMu sync.Once
	pause  chan struct{} // closed when the worker pauses
	pauseO sync.Once
	beat   chan struct{}
}

// handleConnect accepts a worker's WebSocket and serves it until it ends.
func (g *connectGateway) handleConnect(w http.ResponseWriter, r *http.Request) {
	ws, err := websocket.Accept(w, r, &websocket.AcceptOptions{Subprotocols: []string{connectpb.Subprotocol}})
	if err != nil {
		return
	}
	ws.SetReadLimit(connectpb.ReadLimit)
	c := &gwConn{g: g, ws: ws, gone: make(chan struct{}), pause: make(chan struct{}), beat: make(chan struct{}, 1)}
	g.mu.Lock()
	if g.closing {
		g.mu.Unlock()
		_ = ws.Close(websocket.StatusGoingAway, "connect_gateway_closing")
		return
	}
	g.all[c] = struct{}{}
	g.wg.Add(1)
	g.mu.Unlock()
	defer g.wg.Done()
	defer g.drop(c)
	if err := c.handshake(); err != nil {
		g.s.log.Warn("devserver: connect: handshake failed", "error", err)
		return
	}
	c.serve()
}

// handshake greets the worker, checks its hello, syncs its apps and
// tells it the connection is ready.
func (c *gwConn) handshake() error {
	g := c.g
	if err := c.write(connectpb.Kind_GATEWAY_HELLO, nil); err != nil {
		return err
	}
	helloCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var env connectpb.Envelope
	if err := connectpb.Read(helloCtx, c.ws, &env); err != nil {
		return fmt.Errorf("no hello from the worker: %w", err)
	}
	hello := new(connectpb.Hello)
	if env.Kind != connectpb.Kind_WORKER_CONNECT || proto.Unmarshal(env.Payload, hello) != nil {
		_ = c.ws.Close(websocket.StatusPolicyViolation, "connect_worker_hello_invalid_msg")
		return errors.New("the worker's first message was not a valid hello")
	}
	switch {
	case !g.useToken(hello.GetCredentials().GetSessionToken()):
		_ = c.ws.Close(websocket.StatusPolicyViolation, "connect_authentication_failed")
		return errors.New("unknown or expired session token")
	case hello.GetInstanceId() == "" || len(hello.GetApps()) == 0:
		_ = c.ws.Close(websocket.StatusPolicyViolation, "connect_worker_hello_invalid_payload")
		return errors.New("the hello names no instance or no app")
	}
	c.hello, c.max = hello, hello.GetMaxConcurrency()
	for _, a := range hello.GetApps() {
		if err := g.syncApp(hello, a); err != nil {
			_ = c.write(connectpb.Kind_SYNC_FAILED, &connectpb.Failure{Code: "connect_invalid_function_config", Message: err.Error()})
			_ = c.ws.Close(websocket.StatusPolicyViolation, "connect_invalid_function_config")
			return err
		}
		c.apps = append(c.apps, a.GetName())
	}
	ready := &connectpb.Ready{HeartbeatInterval: g.heartbeat.String(), ExtendLeaseInterval: (g.lease / 4).String(), StatusInterval: "0s"}
	if err := c.write(connectpb.Kind_GATEWAY_CONNECTION_READY, ready); err != nil {
		return err
	}
	if !hello.GetManualReadiness() {
		g.ready(c)
	}
	return nil
}

// syncApp registers an app from a hello. Its functions' step URLs become
// call URLs under connectOrigin, with the app's name as path.
func (g *connectGateway) syncApp(hello *connectpb.Hello, a *connectpb.App) error {
	var fns []wire.Function
	if err := json.Unmarshal(a.GetFunctionsJson(), &fns); err != nil {
		return fmt.Errorf("app %q: the functions are not valid JSON: %w", a.GetName(), err)
	}
	appURL := connectOrigin + "/" + url.PathEscape(a.GetName())
	for i := range fns {
		for k, st := range fns[i].Steps {
			q := ""
			if u, err := url.Parse(st.Runtime.URL); err == nil {
				q = u.RawQuery
			}
			st.Runtime.URL = appURL + "?" + q
			fns[i].Steps[k] = st
		}
	}
	_, err := g.s.register(&wire.RegisterRequest{
		URL: appURL, AppName: a.GetName(), AppVersion: a.GetVersion(), Functions: fns,
		SDK: hello.GetSdkLanguage() + ":" + hello.GetSdkVersion(), DeployType: "connect",
	})
	return err
}

// ready makes c a target for its apps' calls.
func (g *connectGateway) ready(c *gwConn) {
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, name := range c.apps {
		g.conns[name] = append(g.conns[name], c)
	}
	g.notifyLocked()
}

// drop forgets c: its apps' calls go to other connections.
func (g *connectGateway) drop(c *gwConn) {
	c.goneMu.Do(func() { close(c.gone) })
	_ = c.ws.CloseNow()
	g.mu.Lock()
	defer g.mu.Unlock()
	delete(g.all, c)
	g.unlistLocked(c)
}

// unlistLocked takes c out of the targets for calls. Called with g.mu held.
func (g *connectGateway) unlistLocked(c *gwConn) {
	for _, name := range c.apps {
		list := g.conns[name]
		out := list[:0]
		for _, x := range list {
			if x != c {
				out = append(out, x)
			}
		}
		if len(out) == 0 {
			delete(g.conns, name)
		} else {
			g.conns[name] = out
		}
	}
	g.notifyLocked()
}

func (c *gwConn) write(kind connectpb.Kind, msg proto.Message) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return connectpb.Write(ctx, c.ws, kind, msg)
}
