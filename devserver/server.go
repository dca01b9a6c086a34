package devserver

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	iexpr "github.com/durablefn/inngest/internal/expr"
	"github.com/durablefn/inngest/internal/sign"
)

// Server is an embedded Inngest orchestrator. Create one with New, start
// it with Start and stop it with Close. It is safe for concurrent use.
type Server struct {
	cfg Config
	// bearer and bearerHashed are the signing key without its prefix, and
	// hashed: the two tokens the API accepts when a signing key is set.
	bearer, bearerHashed string
	clock                Clock
	vclock               *VirtualClock // non-nil when time skipping is on
	log                  *slog.Logger
	exprs                *iexpr.Cache
	routes               *router
	gw                   *connectGateway // Connect workers' side (connect*.go)
	client               *http.Client
	ui                   http.Handler // Config.UI's handler, or nil

	// j collects changes for the store (nil without one); commitMu
	// serialises commits; storeDown ends a commit's retries at Close.
	j        *journal
	commitMu sync.Mutex
	unsent   []unsentChange // guarded by commitMu

	mu       sync.Mutex
	st       cache
	apps     map[string]*appRecord // by app URL
	fns      map[string]*function  // by composite ID
	triggers map[string][]*trigger // by event name

	timers   timerHeap // timers that time skipping may jump to
	bgTimers timerHeap // cron and retention timers, which it never jumps to
	sweeper  *timer    // wakes the scheduler when retention drops something
	ready    readyHeap
	blocked  []*item
	inFlight int
	busy     int
	seq      uint64
	eventSeq uint64
	// inFlightCalls lists the calls in flight in the order they started, so in
	// order of eventSeq; finished ones leave from the front.
	inFlightCalls fifo[*call]

	gates map[string]int
	// throttles and rateLimits hold each key's GCRA state, its
	// theoretical arrival time (flow.go).
	throttles  map[string]time.Time
	rateLimits map[string]time.Time
	// throttleQueues holds, per throttle key, the runs waiting to start.
	throttleQueues map[string]*throttleQueue
	// flowExpiries holds one entry per key of throttles and rateLimits,
	// ordered by when the key may be back at full capacity.
	flowExpiries indexedHeap[*flowExpiry]
	batches      map[string]*batch
	debounces    map[string]*debounce
	singletons   map[string]*run
	signals      signalIndex // runs waiting for a signal (signal.go)

	changed  chan struct{}
	results  chan finishedCall
	wake     chan struct{}
	finished []*Run // runs ended since the last unlock, for OnRunFinished

	started bool
	closing bool
	done    chan struct{}
	baseCtx context.Context
	cancel  context.CancelFunc
	// shards are children of baseCtx that calls derive from, so that
	// hundreds of concurrent calls do not all contend on one parent.
	shards       []context.Context
	shardCancels []context.CancelFunc
	calls        sync.WaitGroup
	loops        sync.WaitGroup

	ln      net.Listener
	httpSrv *http.Server
	url     string
}

// inProcessOrigin is the origin of a Server without a listener.
const inProcessOrigin = "http://devserver.invalid"

// orDefault sets a non-positive setting to its default.
func orDefault[T int | int64 | time.Duration](v *T, def T) {
	if *v <= 0 {
		*v = def
	}
}

// defaults sets every non-positive limit to its default.
func (cfg *Config) defaults() {
	orDefault(&cfg.MaxInFlight, DefaultMaxInFlight)
	orDefault(&cfg.CallTimeout, DefaultCallTimeout)
	orDefault(&cfg.MaxBodyBytes, DefaultMaxBodyBytes)
	orDefault(&cfg.MaxEventBytes, DefaultMaxEventBytes)
	orDefault(&cfg.UseAPIThreshold, DefaultUseAPIThreshold)
	orDefault(&cfg.EventRetention, DefaultEventRetention)
	orDefault(&cfg.MaxEvents, DefaultMaxEvents)
	orDefault(&cfg.MaxFinishedRuns, DefaultMaxFinishedRuns)
	orDefault(&cfg.MaxQueuedCalls, DefaultMaxQueuedCalls)
}

// setClock picks the server's clock: the configured one, a virtual one
// for time skipping, or the real one.
func (s *Server) setClock() error {
	if s.cfg.TimeSkipping {
		if s.clock == nil {
			s.clock = NewVirtualClock(time.Time{})
		}
		vc, ok := s.clock.(*VirtualClock)
		if !ok {
			return errors.New("devserver: TimeSkipping needs Config.Clock to be a *VirtualClock (or nil)")
		}
		s.vclock = vc
	}
	if s.clock == nil {
		s.clock = RealClock{}
	}
	return nil
}

// defaultClient is the client calls go out on without Config.HTTPClient.
func defaultClient() *http.Client {
	return &http.Client{Transport: &http.Transport{
		Proxy:               nil,
		DialContext:         (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        1024,
		MaxIdleConnsPerHost: 512,
		IdleConnTimeout:     90 * time.Second,
		// Call bodies are small JSON on loopback: gzip costs more than it
		// saves.
		DisableCompression: true,
	}}
}

// New returns a server configured by cfg. It does nothing until Start.
func New(cfg Config) (*Server, error) {
	if cfg.Addr == "" {
		cfg.Addr = DefaultAddr
	}
	if cfg.Backoff == nil {
		cfg.Backoff = DefaultBackoff
	}
	var bearer, bearerHashed string
	if cfg.SigningKey != "" {
		// As `inngest start`: a key that cannot be hashed into the bearer
		// token is refused at once, not at the first sync.
		bearer = sign.StripPrefix(cfg.SigningKey)
		var err error
		if bearerHashed, err = sign.HashedKey(bearer); err != nil {
			return nil, errors.New("devserver: Config.SigningKey must be hex, optionally after a signkey-<env>- prefix")
		}
	}
	cfg.defaults()
	s := &Server{
		cfg:          cfg,
		bearer:       bearer,
		bearerHashed: bearerHashed,
		clock:        cfg.Clock,
		log:          cfg.Logger,
		st: newMemStore(retention{
			events: cfg.EventRetention, maxEvents: cfg.MaxEvents,
			runs: cfg.RunRetention, maxRuns: cfg.MaxFinishedRuns,
		}),
		apps:           make(map[string]*appRecord),
		fns:            make(map[string]*function),
		triggers:       make(map[string][]*trigger),
		gates:          make(map[string]int),
		throttles:      make(map[string]time.Time),
		rateLimits:     make(map[string]time.Time),
		throttleQueues: make(map[string]*throttleQueue),
		batches:        make(map[string]*batch),
		debounces:      make(map[string]*debounce),
		singletons:     make(map[string]*run),
		changed:        make(chan struct{}),
		wake:           make(chan struct{}, 1),
		results:        make(chan finishedCall, cfg.MaxInFlight),
		done:           make(chan struct{}),
		url:            inProcessOrigin,
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if cfg.Store != nil {
		s.j = newJournal()
		s.st.(*memStore).j = s.j
	}
	if err := s.setClock(); err != nil {
		return nil, err
	}
	exprs, err := iexpr.NewCache()
	if err != nil {
		return nil, fmt.Errorf("devserver: %w", err)
	}
	s.exprs = exprs
	base := cfg.HTTPClient
	if base == nil {
		base = defaultClient()
	}
	s.routes = newRouter(base.Transport)
	client := *base
	client.Transport = s.routes
	s.client = &client
	s.gw = newConnectGateway(s)
	if cfg.UI != nil {
		s.ui = cfg.UI(s)
	}
	return s, nil
}

// Start starts the scheduler and, unless Config.NoListener is set, the
// HTTP listener. ctx bounds only the start itself.
func (s *Server) Start(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	if s.started {
		s.mu.Unlock()
		return errors.New("devserver: Start called twice")
	}
	s.started = true
	s.mu.Unlock()
	if s.cfg.Store != nil {
		if err := s.restore(ctx); err != nil {
			return err
		}
	}
	s.mu.Lock()
	s.baseCtx, s.cancel = context.WithCancel(context.Background())
	s.shards = make([]context.Context, 32)
	for i := range s.shards {
		var cancel context.CancelFunc
		s.shards[i], cancel = context.WithCancel(s.baseCtx)
		s.shardCancels = append(s.shardCancels, cancel)
	}
	s.mu.Unlock()

	if !s.cfg.NoListener {
		var lc net.ListenConfig
		ln, err := lc.Listen(ctx, "tcp", s.cfg.Addr)
		if err != nil {
			s.cancel()
			return fmt.Errorf("devserver: listening on %s: %w", s.cfg.Addr, err)
		}
		s.ln = ln
		host := ln.Addr().String()
		if strings.HasPrefix(host, "[::]") || strings.HasPrefix(host, "0.0.0.0") {
			_, port, _ := net.SplitHostPort(host)
			host = "127.0.0.1:" + port
		}
		s.mu.Lock()
		s.url = "http://" + host
		s.mu.Unlock()
		s.httpSrv = &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 10 * time.Second}
		s.loops.Add(1)
		go func() {
			defer s.loops.Done()
			if err := s.httpSrv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				s.log.Error("devserver: HTTP server stopped", "error", err)
			}
		}()
	}
	s.routes.setSelf(s.URL(), s.Handler())
	if s.j != nil {
		s.loops.Add(1)
		go s.commitLoop()
	}
	s.loops.Add(1)
	go s.schedule()
	s.log.Info("devserver started", "url", s.URL())
	return nil
}

func (s *Server) callCtx(seq uint64) context.Context {
	return s.shards[seq%uint64(len(s.shards))]
}

// URL returns the server's origin, such as "http://127.0.0.1:41234": the
// address to give an SDK as its dev server. Without a listener (or before
// Start) it is an in-process origin that only HTTPClient can reach.
func (s *Server) URL() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.url
}

// HTTPClient returns a client that reaches this server's API and every
// app added with AddApp in-process, without sockets, and everything else
// through the configured transport. Give it to an SDK client
// (inngest.ClientConfig.HTTPClient) together with Dev: srv.URL().
func (s *Server) HTTPClient() *http.Client {
	return &http.Client{Transport: s.routes}
}

// Clock returns the server's clock.
func (s *Server) Clock() Clock { return s.clock }

// Close stops accepting work, lets calls in flight finish and stops every
// goroutine the server started. When ctx ends first, calls still in flight
// are aborted (their runs stay as they were) and ctx's error is returned.
func (s *Server) Close(ctx context.Context) error {
	s.mu.Lock()
	if !s.started || s.closing {
		s.mu.Unlock()
		return nil
	}
	s.closing = true
	s.notify()
	s.mu.Unlock()

	s.gw.shutdown()
	var err error
	if s.httpSrv != nil {
		if e := s.httpSrv.Shutdown(ctx); e != nil {
			err = e
			_ = s.httpSrv.Close()
		}
	}
	finished := make(chan struct{})
	go func() {
		s.calls.Wait()
		close(finished)
	}()
	select {
	case <-finished:
	case <-ctx.Done():
		s.cancel()
		<-finished
		if err == nil {
			err = ctx.Err()
		}
	}
	close(s.done)
	s.cancel()
	for _, c := range s.shardCancels {
		c()
	}
	s.loops.Wait()
	s.routes.closeIdle()
	if e := s.flush(ctx); e != nil && err == nil {
		err = e
	}
	return err
}

// notify wakes the scheduler and every waiter. Called with s.mu held.
func (s *Server) notify() {
	s.broadcast()
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// broadcast wakes every WaitFor. Called with s.mu held.
func (s *Server) broadcast() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// unlock releases s.mu and then runs the callbacks of runs that ended.
func (s *Server) unlock() {
	fin := s.finished
	s.finished = nil
	s.mu.Unlock()
	if s.cfg.OnRunFinished != nil {
		for _, r := range fin {
			s.cfg.OnRunFinished(r)
		}
	}
}

// SetTimeSkipping turns time skipping on or off at run time. It needs a
// server whose clock is a *VirtualClock.
func (s *Server) SetTimeSkipping(on bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !on {
		s.vclock = nil
		return nil
	}
	vc, ok := s.clock.(*VirtualClock)
	if !ok {
		return errors.New("devserver: time skipping needs a *VirtualClock")
	}
	s.vclock = vc
	s.notify()
	return nil
}
