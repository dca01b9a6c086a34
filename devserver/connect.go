package devserver

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/durablefn/inngest/internal/connectpb"
	"google.golang.org/protobuf/proto"
)

// connectOrigin is the origin of the call URLs of apps served over
// Connect. The router sends calls to it to the gateway, which forwards
// them over the app's connections; nothing ever resolves it.
const connectOrigin = "http://connect.devserver.invalid"

// connectPath is the gateway's WebSocket endpoint, as on the real server.
const connectPath = "/v0/connect"

// The gateway's intervals: the real server's defaults, but a shorter
// lease, since a dev server's calls are its own.
const (
	connectHeartbeat   = 10 * time.Second
	connectLease       = 60 * time.Second
	connectAckTimeout  = 10 * time.Second
	connectTokenExpiry = 10 * time.Minute
	// connectMaxTokens bounds the session tokens issued and not expired:
	// every start mints one, and starts come from outside.
	connectMaxTokens = 4096
)

// connectGateway is the orchestrator's side of Connect: workers start a
// connection through the API, dial the gateway and sync their apps over
// it; calls to those apps go over their connections instead of HTTP.
type connectGateway struct {
	s *Server

	heartbeat, lease, ackTimeout time.Duration
	maxTokens                    int

	mu       sync.Mutex
	conns    map[string][]*gwConn  // ready connections by app name
	tokens   map[string]time.Time  // session tokens issued, until expiry
	pending  map[string]*gwPending // calls sent, by request ID
	changed  chan struct{}         // closed and replaced when conns change
	closing  bool
	waiting  int                  // calls waiting for a connection
	all      map[*gwConn]struct{} // every open connection
	wg       sync.WaitGroup       // connection goroutines
	stopOnce sync.Once
}

func newConnectGateway(s *Server) *connectGateway {
	g := &connectGateway{
		s: s, heartbeat: connectHeartbeat, lease: connectLease, ackTimeout: connectAckTimeout, maxTokens: connectMaxTokens,
		conns: make(map[string][]*gwConn), tokens: make(map[string]time.Time),
		pending: make(map[string]*gwPending), changed: make(chan struct{}),
		all: make(map[*gwConn]struct{}),
	}
	s.routes.add(connectOrigin, http.HandlerFunc(g.serveCall))
	return g
}

// routes adds the gateway's endpoints to the API.
func (g *connectGateway) routes(mux *http.ServeMux) {
	mux.HandleFunc("POST "+connectpb.StartPath, g.handleStart)
	mux.HandleFunc("POST "+connectpb.FlushPath, g.handleFlush)
	mux.HandleFunc("GET "+connectPath, g.handleConnect)
}

// notifyLocked wakes every call waiting for a connection. Called with
// g.mu held.
func (g *connectGateway) notifyLocked() {
	close(g.changed)
	g.changed = make(chan struct{})
}

// shutdown fails the calls waiting for a connection and, once the server
// is done, closes every connection. Called by Server.Close.
func (g *connectGateway) shutdown() {
	g.stopOnce.Do(func() {
		g.mu.Lock()
		g.closing = true
		g.notifyLocked()
		g.mu.Unlock()
		g.s.loops.Add(1)
		go func() {
			defer g.s.loops.Done()
			<-g.s.done
			g.mu.Lock()
			for c := range g.all {
				_ = c.ws.CloseNow()
			}
			g.mu.Unlock()
			g.wg.Wait()
		}()
	})
}

// handleStart answers POST /v0/connect/start: a connection ID, the
// gateway's URL and a session token for the worker's hello.
func (g *connectGateway) handleStart(w http.ResponseWriter, r *http.Request) {
	if !g.s.authorized(w, r) {
		return
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(r.Body, 1<<20))
	token := randomToken()
	now := time.Now()
	g.mu.Lock()
	issued := g.issueToken(token, now)
	g.mu.Unlock()
	if !issued {
		writeError(w, http.StatusTooManyRequests, fmt.Sprintf("%d connections were started and not opened in the last %s; retry later", g.maxTokens, connectTokenExpiry))
		return
	}
	sync := ""
	if auth := r.Header.Get("Authorization"); len(auth) > 7 {
		sync = auth[7:]
	}
	writeProto(w, &connectpb.StartResponse{
		ConnectionId:    newID(),
		GatewayEndpoint: g.endpoint(),
		GatewayGroup:    "devserver",
		SessionToken:    token,
		SyncToken:       sync,
	})
}

// issueToken keeps a session token until it expires, and reports false
// when g.maxTokens are live already. Expired tokens are pruned only at the
// bound, so a start costs no scan of them. Called with g.mu held.
func (g *connectGateway) issueToken(token string, now time.Time) bool {
	if len(g.tokens) >= g.maxTokens {
		for t, exp := range g.tokens {
			if now.After(exp) {
				delete(g.tokens, t)
			}
		}
		if len(g.tokens) >= g.maxTokens {
			return false
		}
	}
	g.tokens[token] = now.Add(connectTokenExpiry)
	return true
}

// endpoint is the gateway's WebSocket URL: the server's own origin.
func (g *connectGateway) endpoint() string {
	u, err := url.Parse(g.s.URL())
	if err != nil {
		return ""
	}
	u.Scheme = strings.Replace(u.Scheme, "http", "ws", 1)
	u.Path = connectPath
	return u.String()
}

// useToken checks a session token from a worker's hello.
func (g *connectGateway) useToken(t string) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	exp, ok := g.tokens[t]
	return ok && time.Now().Before(exp)
}

// handleFlush answers POST /v0/connect/flush: a reply whose connection
// was lost, delivered through the API.
func (g *connectGateway) handleFlush(w http.ResponseWriter, r *http.Request) {
	if !g.s.authorized(w, r) {
		return
	}
	body, ok := g.s.readBody(w, r)
	if !ok {
		return
	}
	var reply connectpb.Reply
	if err := proto.Unmarshal(body, &reply); err != nil || reply.GetRequestId() == "" {
		writeError(w, http.StatusBadRequest, "the body must be a Reply with a request ID")
		return
	}
	g.resolve(&reply)
	writeProto(w, &connectpb.FlushResponse{RequestId: reply.GetRequestId()})
}

func writeProto(w http.ResponseWriter, m proto.Message) {
	b, err := proto.Marshal(m)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "encoding the answer failed")
		return
	}
	w.Header().Set("Content-Type", connectpb.ContentType)
	_, _ = w.Write(b)
}

func randomToken() string {
	var b [24]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
