package devserver

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/oklog/ulid/v2"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"

	"github.com/durablefn/inngest/internal/connectpb"
)

// A worker's hello syncs its app; the app's calls then arrive over the
// connection, and the reply ends the run as an HTTP answer would.
func TestConnectGatewayCallRoundTrip(t *testing.T) {
	s := newConnectServer(t, Config{})
	f, start := dialWorker(t, s, "")
	_, err := ulid.ParseStrict(start.GetConnectionId())
	require.NoError(t, err, "the connection ID is a ULID")
	f.hello(start, "app", "demo/go", 0)
	var ready connectpb.Ready
	f.expect(connectpb.Kind_GATEWAY_CONNECTION_READY, &ready)
	require.Equal(t, connectHeartbeat.String(), ready.GetHeartbeatInterval())
	require.Equal(t, (connectLease / 4).String(), ready.GetExtendLeaseInterval())
	require.Equal(t, []string{"app-fn"}, s.Functions())
	f.send(connectpb.Kind_WORKER_HEARTBEAT, nil)
	f.expect(connectpb.Kind_GATEWAY_HEARTBEAT, nil)

	eventID := sendEvent(t, s, "demo/go")
	var req connectpb.CallRequest
	f.expect(connectpb.Kind_GATEWAY_EXECUTOR_REQUEST, &req)
	require.Equal(t, "app-fn", req.GetFunctionSlug())
	require.Equal(t, "app", req.GetAppName())
	require.Equal(t, "step", req.GetStepId())
	require.NotEmpty(t, req.GetLeaseId())
	var body struct {
		Event struct {
			Name string `json:"name"`
		} `json:"event"`
		Ctx struct {
			RunID string `json:"run_id"`
		} `json:"ctx"`
	}
	require.NoError(t, json.Unmarshal(req.GetBody(), &body))
	require.Equal(t, "demo/go", body.Event.Name)
	require.Equal(t, body.Ctx.RunID, req.GetRunId())

	f.send(connectpb.Kind_WORKER_REQUEST_ACK, &connectpb.CallRef{RequestId: req.GetRequestId()})
	f.send(connectpb.Kind_WORKER_REPLY, &connectpb.Reply{RequestId: req.GetRequestId(), Outcome: connectpb.Outcome_DONE, Body: []byte(`{"answer":42}`)})
	var ack connectpb.ReplyAck
	f.expect(connectpb.Kind_WORKER_REPLY_ACK, &ack)
	require.Equal(t, req.GetRequestId(), ack.GetRequestId())

	requireOutput(t, s, eventID, `{"answer":42}`)
}

// The start endpoint wants the signing key's bearer token when the server
// has a key; a hello with a session token it did not issue is refused.
func TestConnectGatewayAuth(t *testing.T) {
	const key = "signkey-test-12345678"
	s := newConnectServer(t, Config{SigningKey: key})
	status, _ := postProto(t, s, connectpb.StartPath, "", &connectpb.StartRequest{})
	require.Equal(t, http.StatusUnauthorized, status)
	status, _ = postProto(t, s, connectpb.FlushPath, "", &connectpb.Reply{RequestId: "x"})
	require.Equal(t, http.StatusUnauthorized, status)

	f, start := dialWorker(t, s, s.bearerHashed)
	start.SessionToken = "forged"
	f.hello(start, "app", "demo/go", 0)
	_, ok := <-f.frames
	require.False(t, ok, "the gateway kept a connection with a forged session token")
	require.Equal(t, "connect_authentication_failed", closeReason(f.err))
}

// A worker that asks for at most one call at once gets one: the second
// run's call waits for a free slot.
func TestConnectGatewayMaxConcurrency(t *testing.T) {
	s := newConnectServer(t, Config{})
	f := readyWorker(t, s, 1)

	sendEvent(t, s, "demo/go")
	sendEvent(t, s, "demo/go")
	var first connectpb.CallRequest
	f.expect(connectpb.Kind_GATEWAY_EXECUTOR_REQUEST, &first)
	f.send(connectpb.Kind_WORKER_REQUEST_ACK, &connectpb.CallRef{RequestId: first.GetRequestId()})
	ctx, cancel := context.WithTimeout(context.Background(), connectTestTimeout)
	defer cancel()
	g := s.gw
	require.NoError(t, s.WaitFor(ctx, func() bool {
		g.mu.Lock()
		defer g.mu.Unlock()
		return len(g.pending) == 2 && g.waiting == 1
	}), "the second call should wait for a slot")
	require.Len(t, f.frames, 0, "a second call was sent past the worker's limit")

	f.send(connectpb.Kind_WORKER_REPLY, &connectpb.Reply{RequestId: first.GetRequestId(), Outcome: connectpb.Outcome_DONE, Body: []byte(`1`)})
	var second connectpb.CallRequest
	f.expect(connectpb.Kind_GATEWAY_EXECUTOR_REQUEST, &second)
	require.NotEqual(t, first.GetRequestId(), second.GetRequestId())
}

// A reply posted to the flush endpoint, as a worker whose connection
// dropped sends it, ends the call; an acknowledged call keeps its lease
// while the worker extends it.
func TestConnectGatewayFlushAndLease(t *testing.T) {
	s := newConnectServer(t, Config{})
	f := readyWorker(t, s, 0)
	eventID, req := f.call(t, s)
	f.send(connectpb.Kind_WORKER_REQUEST_ACK, &connectpb.CallRef{RequestId: req.GetRequestId()})

	f.send(connectpb.Kind_WORKER_REQUEST_EXTEND_LEASE, &connectpb.CallRef{RequestId: req.GetRequestId(), LeaseId: req.GetLeaseId()})
	var lease connectpb.LeaseAck
	f.expect(connectpb.Kind_WORKER_REQUEST_EXTEND_LEASE_ACK, &lease)
	require.NotEmpty(t, lease.GetNewLeaseId())
	require.NotEqual(t, req.GetLeaseId(), lease.GetNewLeaseId())
	f.send(connectpb.Kind_WORKER_REQUEST_EXTEND_LEASE, &connectpb.CallRef{RequestId: req.GetRequestId(), LeaseId: req.GetLeaseId()})
	f.expect(connectpb.Kind_WORKER_REQUEST_EXTEND_LEASE_ACK, &lease)
	require.Nil(t, lease.NewLeaseId, "a stale lease was extended")

	_ = f.ws.CloseNow()
	status, raw := postProto(t, s, connectpb.FlushPath, "", &connectpb.Reply{RequestId: req.GetRequestId(), Outcome: connectpb.Outcome_DONE, Body: []byte(`"flushed"`)})
	require.Equal(t, http.StatusOK, status, string(raw))
	var fr connectpb.FlushResponse
	require.NoError(t, proto.Unmarshal(raw, &fr))
	require.Equal(t, req.GetRequestId(), fr.GetRequestId())

	requireOutput(t, s, eventID, `"flushed"`)
}

// An acknowledged call whose lease runs out without a reply fails and is
// sent again.
func TestConnectGatewayLeaseExpiry(t *testing.T) {
	s := newConnectServer(t, Config{})
	s.gw.lease = 20 * time.Millisecond
	f := readyWorker(t, s, 0)
	sendEvent(t, s, "demo/go")
	var req, again connectpb.CallRequest
	f.expect(connectpb.Kind_GATEWAY_EXECUTOR_REQUEST, &req)
	f.send(connectpb.Kind_WORKER_REQUEST_ACK, &connectpb.CallRef{RequestId: req.GetRequestId()})
	f.expect(connectpb.Kind_GATEWAY_EXECUTOR_REQUEST, &again)
	require.NotEqual(t, req.GetRequestId(), again.GetRequestId())
	require.Equal(t, req.GetRunId(), again.GetRunId())
}

// Each start mints a session token kept until it expires, and starts come
// from outside: past the bound, a start is refused with 429 until tokens
// expire, instead of the map growing without end.
func TestConnectStartTokensAreBounded(t *testing.T) {
	s := newConnectServer(t, Config{})
	s.gw.maxTokens = 2
	for range 2 {
		status, raw := postProto(t, s, connectpb.StartPath, "", &connectpb.StartRequest{})
		require.Equal(t, http.StatusOK, status, string(raw))
	}
	status, raw := postProto(t, s, connectpb.StartPath, "", &connectpb.StartRequest{})
	require.Equal(t, http.StatusTooManyRequests, status)
	require.Contains(t, string(raw), "retry")

	s.gw.mu.Lock()
	for tok := range s.gw.tokens {
		s.gw.tokens[tok] = time.Now().Add(-time.Second) // expired
	}
	s.gw.mu.Unlock()
	status, raw = postProto(t, s, connectpb.StartPath, "", &connectpb.StartRequest{})
	require.Equal(t, http.StatusOK, status, string(raw))
	s.gw.mu.Lock()
	require.Len(t, s.gw.tokens, 1, "expired tokens are pruned")
	s.gw.mu.Unlock()
}
