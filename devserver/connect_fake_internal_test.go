package devserver

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"

	"github.com/durablefn/inngest/internal/connectpb"
)

const connectTestTimeout = 20 * time.Second

// fakeWorker speaks the worker's side of Connect by hand, frame by frame.
type fakeWorker struct {
	t      *testing.T
	ws     *websocket.Conn
	frames chan *connectpb.Envelope
	err    error // why the connection ended, once frames is closed
}

// newConnectServer starts an in-process server with time skipping.
func newConnectServer(t *testing.T, cfg Config) *Server {
	t.Helper()
	cfg.NoListener, cfg.TimeSkipping = true, true
	s, err := New(cfg)
	require.NoError(t, err)
	require.NoError(t, s.Start(context.Background()))
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), connectTestTimeout)
		defer cancel()
		require.NoError(t, s.Close(ctx))
	})
	return s
}

// postProto POSTs a message to the server's API and returns the answer.
func postProto(t *testing.T, s *Server, path, token string, msg proto.Message) (int, []byte) {
	t.Helper()
	body, err := proto.Marshal(msg)
	require.NoError(t, err)
	req, err := http.NewRequest(http.MethodPost, s.URL()+path, bytes.NewReader(body))
	require.NoError(t, err)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := s.HTTPClient().Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, raw
}

// dialWorker starts a connection, dials the gateway and reads its hello.
// readyWorker connects a fake worker of app "app", function "demo/go",
// with capacity limit (0: none), and waits until the gateway is ready.
func readyWorker(t *testing.T, s *Server, limit int64) *fakeWorker {
	t.Helper()
	f, start := dialWorker(t, s, "")
	f.hello(start, "app", "demo/go", limit)
	f.expect(connectpb.Kind_GATEWAY_CONNECTION_READY, nil)
	return f
}

// call sends an event of "demo/go" and returns its ID and the call
// request f receives for it.
func (f *fakeWorker) call(t *testing.T, s *Server) (string, *connectpb.CallRequest) {
	t.Helper()
	eventID := sendEvent(t, s, "demo/go")
	var req connectpb.CallRequest
	f.expect(connectpb.Kind_GATEWAY_EXECUTOR_REQUEST, &req)
	return eventID, &req
}

// requireOutput waits for the run of eventID to complete and checks its
// output.
func requireOutput(t *testing.T, s *Server, eventID, want string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), connectTestTimeout)
	defer cancel()
	runs, err := s.WaitForEventRuns(ctx, eventID, 1)
	require.NoError(t, err)
	r, err := s.WaitForRun(ctx, runs[0].ID)
	require.NoError(t, err)
	require.Equal(t, StatusCompleted, r.Status)
	require.JSONEq(t, want, string(r.Output))
}

func dialWorker(t *testing.T, s *Server, token string) (*fakeWorker, *connectpb.StartResponse) {
	t.Helper()
	status, raw := postProto(t, s, connectpb.StartPath, token, &connectpb.StartRequest{})
	require.Equal(t, http.StatusOK, status, string(raw))
	var start connectpb.StartResponse
	require.NoError(t, proto.Unmarshal(raw, &start))
	ctx, cancel := context.WithTimeout(context.Background(), connectTestTimeout)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, start.GetGatewayEndpoint(), &websocket.DialOptions{
		HTTPClient: s.HTTPClient(), Subprotocols: []string{connectpb.Subprotocol},
	})
	require.NoError(t, err)
	f := &fakeWorker{t: t, ws: ws, frames: make(chan *connectpb.Envelope, 64)}
	go func() {
		defer close(f.frames)
		for {
			env := new(connectpb.Envelope)
			if err := connectpb.Read(context.Background(), ws, env); err != nil {
				f.err = err
				return
			}
			f.frames <- env
		}
	}()
	t.Cleanup(func() { _ = ws.CloseNow() })
	f.expect(connectpb.Kind_GATEWAY_HELLO, nil)
	return f, &start
}

// hello sends a WORKER_CONNECT for app with one function, "<app>-fn",
// triggered by event.
func (f *fakeWorker) hello(start *connectpb.StartResponse, app, event string, maxConcurrency int64) {
	fns := `[{"id":"` + app + `-fn","name":"fn","triggers":[{"event":"` + event + `"}],` +
		`"steps":{"step":{"id":"step","name":"step","runtime":{"type":"http","url":"ws://connect?fnId=` + app + `-fn&stepId=step"}}}}]`
	f.send(connectpb.Kind_WORKER_CONNECT, &connectpb.Hello{
		ConnectionId: start.GetConnectionId(), InstanceId: "fake",
		Credentials:      &connectpb.Credentials{SessionToken: start.GetSessionToken(), SyncToken: start.GetSyncToken()},
		CapabilitiesJson: []byte(`{"connect":"v1"}`),
		Apps:             []*connectpb.App{{Name: app, FunctionsJson: []byte(fns)}},
		SdkLanguage:      "go", SdkVersion: "0.0.0", MaxConcurrency: proto.Int64(maxConcurrency),
	})
}

func (f *fakeWorker) send(kind connectpb.Kind, msg proto.Message) {
	f.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), connectTestTimeout)
	defer cancel()
	require.NoError(f.t, connectpb.Write(ctx, f.ws, kind, msg))
}

// expect reads frames until one of kind (skipping heartbeats) and decodes
// its payload into into, when given.
func (f *fakeWorker) expect(kind connectpb.Kind, into proto.Message) {
	f.t.Helper()
	for {
		select {
		case env, ok := <-f.frames:
			require.True(f.t, ok, "the connection closed while waiting for %s", kind)
			if kind != env.Kind && (env.Kind == connectpb.Kind_GATEWAY_HEARTBEAT || env.Kind == connectpb.Kind_WORKER_REPLY_ACK) {
				continue
			}
			require.Equal(f.t, kind, env.Kind)
			if into != nil {
				require.NoError(f.t, proto.Unmarshal(env.Payload, into))
			}
			return
		case <-time.After(connectTestTimeout):
			f.t.Fatalf("timed out waiting for %s", kind)
		}
	}
}

// sendEvent sends an event to the server.
func sendEvent(t *testing.T, s *Server, name string) string {
	t.Helper()
	ids, err := s.SendEvent(context.Background(), Event{Name: name})
	require.NoError(t, err)
	return ids[0]
}

// closeReason is the reason of the close frame behind err, or "".
func closeReason(err error) string {
	var ce websocket.CloseError
	if errors.As(err, &ce) {
		return ce.Reason
	}
	return ""
}
