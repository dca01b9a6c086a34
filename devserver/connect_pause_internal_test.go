package devserver

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/durablefn/inngest/internal/connectpb"
)

// A call the worker acknowledged stays its call when the worker pauses or
// its connection drops right after: the gateway, finding the ack and the
// pause (or drop) both recorded when it looks, never sends the call to
// another worker.
func TestConnectGatewayAckBeforePauseKeepsCall(t *testing.T) {
	g := &connectGateway{ackTimeout: time.Hour}
	for _, drop := range []bool{false, true} {
		// Many tries: a choice between both, made at random, shows.
		for range 200 {
			c := &gwConn{gone: make(chan struct{}), pause: make(chan struct{})}
			p := &gwPending{acked: make(chan struct{})}
			close(p.acked)
			close(c.pause)
			if drop {
				close(c.gone)
			}
			require.True(t, g.awaitAck(context.Background(), c, p), "an acknowledged call was taken back (drop %v)", drop)
		}
	}
}

// A call sent before the pause but never acknowledged, as a draining
// worker drops it, goes to another worker; a call acknowledged before the
// pause does not, and its reply from the pausing worker ends the run.
func TestConnectGatewayPauseKeepsAcknowledgedCall(t *testing.T) {
	s := newConnectServer(t, Config{})
	first := readyWorker(t, s, 0)

	eventID, kept := first.call(t, s)
	_, dropped := first.call(t, s)
	first.send(connectpb.Kind_WORKER_REQUEST_ACK, &connectpb.CallRef{RequestId: kept.GetRequestId()})
	first.send(connectpb.Kind_WORKER_PAUSE, nil)

	second := readyWorker(t, s, 0)
	var moved connectpb.CallRequest
	second.expect(connectpb.Kind_GATEWAY_EXECUTOR_REQUEST, &moved)
	require.Equal(t, dropped.GetRequestId(), moved.GetRequestId(), "the paused worker's acknowledged call was sent again")

	first.send(connectpb.Kind_WORKER_REPLY, &connectpb.Reply{RequestId: kept.GetRequestId(), Outcome: connectpb.Outcome_DONE, Body: []byte(`"kept"`)})
	first.expect(connectpb.Kind_WORKER_REPLY_ACK, nil)
	requireOutput(t, s, eventID, `"kept"`)
	// Frames arrive in order: a copy of the kept call would come before
	// the answer to this heartbeat.
	second.send(connectpb.Kind_WORKER_HEARTBEAT, nil)
	second.expect(connectpb.Kind_GATEWAY_HEARTBEAT, nil)
}
