package devserver

import (
	"context"
	"time"

	"github.com/durablefn/inngest/internal/connectpb"
	"github.com/oklog/ulid/v2"
	"google.golang.org/protobuf/proto"
)

// missedWorkerHeartbeats is how many heartbeats a worker may miss before
// its connection is closed.
const missedWorkerHeartbeats = 5

// serve handles the worker's messages until the connection ends, closing
// it when the worker stops sending heartbeats.
func (c *gwConn) serve() {
	done := make(chan struct{})
	defer close(done)
	c.g.wg.Add(1)
	go func() {
		defer c.g.wg.Done()
		c.watchHeartbeats(done)
	}()
	for {
		var env connectpb.Envelope
		if err := connectpb.Read(context.Background(), c.ws, &env); err != nil {
			return
		}
		c.handle(&env)
	}
}

func (c *gwConn) watchHeartbeats(done <-chan struct{}) {
	t := time.NewTicker(c.g.heartbeat)
	defer t.Stop()
	last := time.Now()
	for {
		select {
		case <-done:
			return
		case <-c.beat:
			last = time.Now()
		case now := <-t.C:
			if now.Sub(last) > missedWorkerHeartbeats*c.g.heartbeat {
				c.g.s.log.Warn("devserver: connect: a worker stopped sending heartbeats", "instance_id", c.hello.GetInstanceId())
				_ = c.ws.CloseNow()
				return
			}
		}
	}
}

// handle acts on one message from the worker.
func (c *gwConn) handle(env *connectpb.Envelope) {
	g := c.g
	switch env.Kind {
	case connectpb.Kind_WORKER_HEARTBEAT:
		select {
		case c.beat <- struct{}{}:
		default:
		}
		_ = c.write(connectpb.Kind_GATEWAY_HEARTBEAT, nil)
	case connectpb.Kind_WORKER_READY:
		g.ready(c)
	case connectpb.Kind_WORKER_PAUSE:
		g.mu.Lock()
		c.paused = true
		g.unlistLocked(c)
		g.mu.Unlock()
		c.pauseO.Do(func() { close(c.pause) })
	case connectpb.Kind_WORKER_REQUEST_ACK:
		var ack connectpb.CallRef
		if proto.Unmarshal(env.Payload, &ack) == nil {
			g.acked(ack.GetRequestId())
		}
	case connectpb.Kind_WORKER_REPLY:
		var reply connectpb.Reply
		if proto.Unmarshal(env.Payload, &reply) == nil {
			g.resolve(&reply)
			_ = c.write(connectpb.Kind_WORKER_REPLY_ACK, &connectpb.ReplyAck{RequestId: reply.GetRequestId()})
		}
	case connectpb.Kind_WORKER_REQUEST_EXTEND_LEASE:
		var ext connectpb.CallRef
		if proto.Unmarshal(env.Payload, &ext) == nil {
			ack := &connectpb.LeaseAck{
				RequestId: ext.GetRequestId(), AccountId: ext.GetAccountId(), EnvId: ext.GetEnvId(),
				AppId: ext.GetAppId(), FunctionSlug: ext.GetFunctionSlug(),
			}
			if id, ok := g.extend(ext.GetRequestId(), ext.GetLeaseId()); ok {
				ack.NewLeaseId = proto.String(id)
			}
			_ = c.write(connectpb.Kind_WORKER_REQUEST_EXTEND_LEASE_ACK, ack)
		}
	}
}

// extend renews the lease of a call in flight when leaseID is its
// current lease, and returns the new one.
func (g *connectGateway) extend(requestID, leaseID string) (string, bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	p := g.pending[requestID]
	if p == nil || p.leaseID != leaseID {
		return "", false
	}
	p.leaseID = ulid.Make().String()
	p.extended = time.Now()
	select {
	case p.renew <- struct{}{}:
	default:
	}
	return p.leaseID, true
}
