package devserver

import (
	"github.com/durablefn/inngest/devserver/store"
	"log/slog"
	"net/http"
	"time"
)

// Defaults of Config fields.
const (
	DefaultAddr            = "127.0.0.1:0"
	DefaultMaxInFlight     = 256
	DefaultCallTimeout     = 5 * time.Minute
	DefaultMaxEventBytes   = 512 << 10
	DefaultMaxBodyBytes    = 4 << 20
	DefaultUseAPIThreshold = 4 << 20
	DefaultMaxResponse     = 16 << 20
	// DefaultAttempts is the attempts a step or call gets when the sync
	// payload does not say (a function's retries + 1).
	DefaultAttempts = 4
	// IdempotencyPeriod is how long an idempotency key, or an event ID,
	// keeps a second run from starting.
	IdempotencyPeriod = 24 * time.Hour
	// DefaultEventRetention is how long received events are kept.
	DefaultEventRetention = IdempotencyPeriod
	// DefaultMaxEvents bounds the events kept.
	DefaultMaxEvents = 100_000
	// DefaultMaxFinishedRuns bounds the finished runs kept.
	DefaultMaxFinishedRuns = 10_000
	// DefaultMaxQueuedCalls bounds the calls waiting for a free slot.
	DefaultMaxQueuedCalls = 100_000
)

// Config configures a Server. The zero value is valid.
type Config struct {
	// Addr is the TCP address Start listens on. Default DefaultAddr
	// (a free loopback port). The standalone binary uses 127.0.0.1:8288.
	Addr string
	// NoListener makes Start serve nothing on the network: the API is then
	// reachable only in-process, through Handler and HTTPClient, and apps
	// only through AddApp.
	NoListener bool
	// SigningKey signs call requests (X-Inngest-Signature) and, hashed, is
	// required as a bearer token on every endpoint but POST /e and /health
	// when set, as `inngest start` requires it. It is hex, optionally after
	// a signkey-<env>- prefix that plays no part: an app holding
	// signkey-prod-<hex> works with a server given <hex>. Empty: nothing
	// is signed or checked, as in the Inngest Dev Server.
	SigningKey string
	// EventKey, when set, is the only key accepted by POST /e/{key};
	// others get 401. Empty: any key is accepted.
	EventKey string
	// Clock is the time source. Default RealClock; use NewVirtualClock for
	// tests and demos.
	Clock Clock
	// TimeSkipping makes the clock jump to the next timer whenever every
	// run is waiting on one (no call in flight, nothing ready to run), so a
	// seven-day sleep takes milliseconds. It needs a *VirtualClock; when
	// Clock is nil one is created at the current time. Cron schedules never
	// pull the clock forward; the ticks a jump passes each fire after it.
	TimeSkipping bool
	// Logger receives structured logs. Default: a logger that discards.
	Logger *slog.Logger
	// HTTPClient makes calls to apps; its Transport is wrapped so that
	// apps added with AddApp are reached in-process. Default: a client
	// with a transport tuned for many loopback calls.
	HTTPClient *http.Client
	// MaxInFlight bounds concurrent calls to apps. Default
	// DefaultMaxInFlight.
	MaxInFlight int
	// CallTimeout bounds one call to an app. Default DefaultCallTimeout.
	CallTimeout time.Duration
	// MaxBodyBytes bounds request bodies of the API (event batches, sync
	// payloads). Default DefaultMaxBodyBytes.
	MaxBodyBytes int64
	// MaxEventBytes bounds one event. Default DefaultMaxEventBytes.
	MaxEventBytes int
	// UseAPIThreshold is the call request size above which the events and
	// memoized steps are left out (use_api) for the SDK to fetch. Default
	// DefaultUseAPIThreshold.
	UseAPIThreshold int
	// Backoff returns the delay before retry number attempt (1 for the
	// first retry). Default: 15s, 30s, 1m, 2m, 5m, 10m, 20m, 40m, 1h, 2h.
	Backoff func(attempt int) time.Duration
	// EventRetention is how long a received event is kept, measured on the
	// server's clock. While an event is kept, another event with its ID
	// starts nothing. Default DefaultEventRetention (24 hours, as on the
	// real server).
	EventRetention time.Duration
	// MaxEvents bounds the events kept, and separately the idempotency
	// keys kept; past it the oldest are dropped first. Default
	// DefaultMaxEvents.
	MaxEvents int
	// RunRetention, when positive, is how long a finished run (with its
	// steps and timeline) stays queryable after it ended, measured on the
	// server's clock. Running runs are never dropped. Default zero: only
	// MaxFinishedRuns bounds finished runs, so that a skipping clock does
	// not take a test's runs away while it looks at them.
	RunRetention time.Duration
	// MaxFinishedRuns bounds the finished runs kept; past it the runs that
	// ended first are dropped. Default DefaultMaxFinishedRuns.
	MaxFinishedRuns int
	// MaxQueuedCalls bounds the calls that are due but wait for a free
	// slot (MaxInFlight or a concurrency limit). While that many wait,
	// POST /e answers 429 and SendEvent waits for room. Runs started by
	// the server itself (cron, batches, invokes) are not refused. Default
	// DefaultMaxQueuedCalls.
	MaxQueuedCalls int
	// OnRunFinished, if set, is called after each run ends, outside the
	// server's lock. It must not block for long.
	OnRunFinished func(r *Run)
	// Store keeps the server's state durably, so that a restarted server
	// carries on where the last one stopped: its apps, events, runs with
	// their steps, waits and timers, batches, debounces, flow-control
	// state and cron positions. Default nil: state lives in memory and
	// ends with the process. Use sqlitestore.Open for a file on disk
	// (cmd/inngest-dev --db). Start loads it; Close flushes it, and the
	// caller closes it after Close.
	Store store.Store
	// UI, if set, is called once by New, and the handler it returns
	// serves every request that matches no API endpoint, instead of the
	// API's JSON 404: a web UI mounted beside the API (package
	// devserver/ui). The handler must not call the server before Start.
	UI func(srv *Server) http.Handler
}

var backoffTable = []time.Duration{
	15 * time.Second, 30 * time.Second, time.Minute, 2 * time.Minute, 5 * time.Minute,
	10 * time.Minute, 20 * time.Minute, 40 * time.Minute, time.Hour, 2 * time.Hour,
}

// DefaultBackoff is the retry schedule used when Config.Backoff is nil.
func DefaultBackoff(attempt int) time.Duration {
	if attempt < 1 {
		attempt = 1
	}
	if attempt > len(backoffTable) {
		attempt = len(backoffTable)
	}
	return backoffTable[attempt-1]
}
