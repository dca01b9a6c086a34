// Package app holds a client's resolved configuration and its function
// registry, shared by the root package (which fills it), the handler
// (which serves it) and the test engine.
//
// Nothing here is global. The handler and the test engine reach a
// client's App with [Of], through the [Handle] every inngest.Client
// embeds; package step encodes events with the App's Encode, which each
// call hands to the replay engine (engine.Input.Encode).
package app

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"sort"
	"sync"

	"github.com/durablefn/inngest/internal/engine"
	"github.com/durablefn/inngest/internal/wire"
	"github.com/durablefn/inngest/middleware"
)

// Config is a client's configuration after defaults and env vars apply.
type Config struct {
	AppID              string
	AppVersion         string
	EventKey           string
	SigningKey         string
	SigningKeyFallback string
	Env                string
	Dev                bool
	DevExplicit        bool
	APIOrigin          string
	EventAPIOrigin     string
	ServeOrigin        string
	ServePath          string
	HTTPClient         *http.Client
	Logger             *slog.Logger
	Middleware         []middleware.Middleware
	// Checkpoint is the checkpointing of functions that set none; nil
	// when the client has no default.
	Checkpoint *engine.CheckpointPolicy
}

// Call is one call request to run a function.
type Call struct {
	Req    *wire.CallRequest
	Engine engine.Input
	// MW describes the call to middleware.
	MW *middleware.Call
}

// Function is a registered function.
type Function struct {
	// Slug is the user's function ID.
	Slug string
	// CompositeID is "<app id>-<slug>", the ID the server uses.
	CompositeID string
	// Config is the function's sync config, without step URLs.
	Config wire.Function
	// Middleware are the client's then the function's middleware.
	Middleware []middleware.Middleware
	// Invoke runs the function for one call request.
	Invoke func(ctx context.Context, call *Call) engine.Result
	// Checkpoint is the function's checkpointing; nil when off.
	Checkpoint *engine.CheckpointPolicy
}

// App is a client's registry.
type App struct {
	Config Config
	// Sender sends events; set by the client.
	Sender engine.Sender
	// Encode encodes an inngest.Sendable, which only the root package
	// can do; set by the client.
	Encode func(event any) (wire.Event, error)
	// Classify turns an error a function or a step returned into its wire
	// form, whether it may be retried, and when; set by the client, whose
	// error types it reads. The handler and the test engine's mocks both
	// use it, so an error is classified one way.
	Classify engine.Classifier

	mu   sync.RWMutex
	fns  []*Function
	byID map[string]*Function
}

// New returns an empty registry.
func New(cfg Config) *App {
	return &App{Config: cfg, byID: make(map[string]*Function)}
}

// Register adds fns, all or none: a duplicate ID (with a function already
// registered, or among fns) refuses them all.
func (a *App) Register(fns ...*Function) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	seen := make(map[string]bool, len(fns))
	for _, fn := range fns {
		if _, dup := a.byID[fn.CompositeID]; dup || seen[fn.CompositeID] {
			return fmt.Errorf("inngest: a function with ID %q is already registered on app %q; function IDs must be unique per app", fn.Slug, a.Config.AppID)
		}
		seen[fn.CompositeID] = true
	}
	for _, fn := range fns {
		a.byID[fn.CompositeID] = fn
		a.fns = append(a.fns, fn)
	}
	return nil
}

// Lookup finds a function by composite ID (or by slug, as some servers
// send it).
func (a *App) Lookup(id string) (*Function, bool) {
	a.mu.RLock()
	defer a.mu.RUnlock()
	if fn, ok := a.byID[id]; ok {
		return fn, true
	}
	for _, fn := range a.fns {
		if fn.Slug == id {
			return fn, true
		}
	}
	return nil, false
}

// Functions lists functions sorted by ID.
func (a *App) Functions() []*Function {
	a.mu.RLock()
	out := append([]*Function(nil), a.fns...)
	a.mu.RUnlock()
	sort.Slice(out, func(i, j int) bool { return out[i].CompositeID < out[j].CompositeID })
	return out
}

// Handle gives the packages of this module the App behind an
// inngest.Client, and gives users nothing: the client embeds it through
// an unexported alias, so *inngest.Client gains the unexported method
// appOf, which only [Of] can call.
type Handle struct{ app *App }

// NewHandle returns the Handle of a.
func NewHandle(a *App) Handle { return Handle{app: a} }

func (h *Handle) appOf() *App { return h.app }

// holder is what embeds a Handle: *inngest.Client.
type holder interface{ appOf() *App }

// Of returns the App behind client, and false for a nil client or one
// not made by inngest.NewClient (a zero Client).
func Of[C any, P interface {
	*C
	holder
}](client P) (*App, bool) {
	if client == nil {
		return nil, false
	}
	a := client.appOf()
	return a, a != nil
}

// SyncFunctions returns the sync config of every function, each step's
// URL being appURL with fnId (the composite ID) and stepId=step in its
// query: the URL the server calls it at, and over Connect the slug it
// names in its calls.
func (a *App) SyncFunctions(appURL string) []wire.Function {
	fns := a.Functions()
	out := make([]wire.Function, 0, len(fns))
	for _, fn := range fns {
		cfg := fn.Config
		u, _ := url.Parse(appURL)
		q := u.Query()
		q.Set("fnId", fn.CompositeID)
		q.Set("stepId", "step")
		u.RawQuery = q.Encode()
		steps := make(map[string]wire.Step, len(cfg.Steps))
		for k, s := range cfg.Steps {
			s.Runtime.URL = u.String()
			steps[k] = s
		}
		cfg.Steps = steps
		out = append(out, cfg)
	}
	return out
}
