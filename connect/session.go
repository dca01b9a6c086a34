package connect

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
	"github.com/durablefn/inngest/internal/connectpb"
	"google.golang.org/protobuf/proto"
)

// writeTimeout bounds one frame's write, so a dead peer cannot hold a
// call's goroutine.
const writeTimeout = 10 * time.Second

// missedHeartbeats is how many gateway heartbeats may be missed before the
// connection is taken for lost.
const missedHeartbeats = 3

// session is one connection to a gateway.
type session struct {
	w           *Worker
	ws          *websocket.Conn
	heartbeat   time.Duration
	extendLease time.Duration

	draining atomic.Bool    // no new calls are taken
	gate     sync.RWMutex   // read-held while a call is acked, held while pausing
	calls    sync.WaitGroup // calls this connection delivered, still running
	loops    sync.WaitGroup // reader and heartbeat
	lost     chan struct{}  // closed when the connection fails
	lostOnce sync.Once
	closing  chan struct{} // closed when the gateway drains
	closeO   sync.Once
	beat     chan struct{} // a gateway heartbeat arrived
}

// end is why serve returned.
type end int

const (
	endShutdown end = iota
	endGatewayClosing
	endLost
)

func newSession(w *Worker, ws *websocket.Conn, ready *connectpb.Ready) *session {
	s := &session{
		w: w, ws: ws,
		heartbeat:   parseInterval(ready.GetHeartbeatInterval(), 10*time.Second),
		extendLease: parseInterval(ready.GetExtendLeaseInterval(), 30*time.Second),
		lost:        make(chan struct{}),
		closing:     make(chan struct{}),
		beat:        make(chan struct{}, 1),
	}
	s.loops.Add(2)
	go s.read()
	go s.beats()
	return s
}

func parseInterval(v string, def time.Duration) time.Duration {
	if d, err := time.ParseDuration(v); err == nil && d > 0 {
		return d
	}
	return def
}

// serve waits until ctx ends, the gateway drains or the connection fails.
func (s *session) serve(ctx context.Context) end {
	select {
	case <-ctx.Done():
		return endShutdown
	case <-s.closing:
		s.draining.Store(true)
		return endGatewayClosing
	case <-s.lost:
		s.draining.Store(true)
		return endLost
	}
}

func (s *session) fail() { s.lostOnce.Do(func() { close(s.lost) }) }

// write sends one frame, bounded by writeTimeout; a failure ends the
// connection.
func (s *session) write(kind connectpb.Kind, msg proto.Message) error {
	ctx, cancel := context.WithTimeout(context.Background(), writeTimeout)
	defer cancel()
	err := connectpb.Write(ctx, s.ws, kind, msg)
	if err != nil {
		s.fail()
	}
	return err
}

// read dispatches the gateway's frames until the connection ends.
func (s *session) read() {
	defer s.loops.Done()
	defer s.fail()
	for {
		var env connectpb.Envelope
		if err := connectpb.Read(context.Background(), s.ws, &env); err != nil {
			return
		}
		switch env.Kind {
		case connectpb.Kind_GATEWAY_EXECUTOR_REQUEST:
			s.take(env.Payload)
		case connectpb.Kind_WORKER_REPLY_ACK:
			var ack connectpb.ReplyAck
			if proto.Unmarshal(env.Payload, &ack) == nil {
				s.w.acked(ack.GetRequestId())
			}
		case connectpb.Kind_WORKER_REQUEST_EXTEND_LEASE_ACK:
			var ack connectpb.LeaseAck
			if proto.Unmarshal(env.Payload, &ack) == nil {
				s.w.leaseAcked(&ack)
			}
		case connectpb.Kind_GATEWAY_HEARTBEAT:
			select {
			case s.beat <- struct{}{}:
			default:
			}
		case connectpb.Kind_GATEWAY_CLOSING:
			s.draining.Store(true)
			s.closeO.Do(func() { close(s.closing) })
		}
	}
}

// beats sends a heartbeat every interval and fails the connection when
// the gateway stops answering them.
func (s *session) beats() {
	defer s.loops.Done()
	tick := time.NewTicker(s.heartbeat)
	defer tick.Stop()
	last := time.Now()
	for {
		select {
		case <-s.lost:
			return
		case <-s.beat:
			last = time.Now()
		case now := <-tick.C:
			if s.draining.Load() {
				// A draining gateway may stop answering; the connection
				// stays up for the calls still running.
				last = now
			}
			if now.Sub(last) > time.Duration(missedHeartbeats+1)*s.heartbeat {
				s.w.log.Warn("inngest: connect: the gateway stopped answering heartbeats")
				_ = s.ws.CloseNow()
				s.fail()
				return
			}
			_ = s.write(connectpb.Kind_WORKER_HEARTBEAT, nil)
		}
	}
}

// ack acknowledges a call unless the connection is draining, and
// reports whether it did.
func (s *session) ack(a *connectpb.CallRef) bool {
	s.gate.RLock()
	defer s.gate.RUnlock()
	if s.draining.Load() {
		return false
	}
	return s.write(connectpb.Kind_WORKER_REQUEST_ACK, a) == nil
}

// pause stops taking calls and tells the gateway so. No ack follows the
// pause on the wire: the gateway sends every call not acknowledged by
// then to another worker, so a later ack would run a call twice.
func (s *session) pause() {
	s.gate.Lock()
	defer s.gate.Unlock()
	s.draining.Store(true)
	_ = s.write(connectpb.Kind_WORKER_PAUSE, nil)
}

// drain pauses, waits for calls (those of wg) to finish and their
// replies to be delivered, then closes.
func (s *session) drain(wg *sync.WaitGroup) {
	s.pause()
	s.finish(wg)
}

// finish waits for calls (those of wg) to finish and their replies to be
// delivered, then closes.
func (s *session) finish(wg *sync.WaitGroup) {
	wg.Wait()
	_ = s.ws.Close(websocket.StatusNormalClosure, connectpb.ShutdownReason)
	_ = s.ws.CloseNow()
	s.fail()
	s.loops.Wait()
}

// abandon closes a connection that failed.
func (s *session) abandon() {
	_ = s.ws.CloseNow()
	s.fail()
	s.loops.Wait()
}
