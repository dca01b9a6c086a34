package devserver

import (
	"cmp"
	"encoding/json"
	"slices"
	"time"

	"github.com/durablefn/inngest/internal/wire"
)

// AppInfo describes a synced app.
type AppInfo struct {
	// ID is the app's ID.
	ID string `json:"id"`
	// URL is where the server calls it.
	URL string `json:"url"`
	// SDK names the SDK as the sync reported it, such as "go:v0.16.0".
	SDK string `json:"sdk,omitempty"`
	// SyncedAt is when it last synced (changed or not), on the server's
	// clock.
	SyncedAt time.Time `json:"synced_at"`
	// Functions lists its functions in the order the sync listed them.
	Functions []FunctionInfo `json:"functions"`
}

// FunctionInfo describes a synced function.
type FunctionInfo struct {
	// ID is the composite ID ("<app id>-<fn id>") that runs name.
	ID string `json:"id"`
	// Name is the function's display name.
	Name string `json:"name"`
	// Triggers lists its event and cron triggers.
	Triggers []TriggerInfo `json:"triggers"`
	// Config is the function's configuration as the sync sent it (JSON):
	// triggers, flow control, retries, timeouts and the URL it is called at.
	Config json.RawMessage `json:"config"`
}

// TriggerInfo is one trigger of a function: an event, optionally with an
// expression, or a cron schedule, optionally with a jitter.
type TriggerInfo struct {
	Event      string `json:"event,omitempty"`
	Expression string `json:"expression,omitempty"`
	Cron       string `json:"cron,omitempty"`
	Jitter     string `json:"jitter,omitempty"`
}

// Apps describes the synced apps, sorted by ID.
func (s *Server) Apps() []AppInfo {
	s.mu.Lock()
	out := make([]AppInfo, 0, len(s.apps))
	for _, a := range s.apps {
		out = append(out, AppInfo{ID: a.id, URL: a.url, SDK: a.sdk, SyncedAt: a.syncedAt, Functions: functionInfos(a)})
	}
	s.mu.Unlock()
	slices.SortFunc(out, func(a, b AppInfo) int { return cmp.Compare(a.ID, b.ID) })
	return out
}

// functionInfos pairs the compiled functions of an app with its sync
// payload: a sync registers every function or none, in payload order.
func functionInfos(a *appRecord) []FunctionInfo {
	var cfgs []json.RawMessage
	_ = json.Unmarshal(a.config, &cfgs)
	out := make([]FunctionInfo, len(a.fns))
	for i, fn := range a.fns {
		out[i] = FunctionInfo{ID: fn.id, Name: fn.name}
		if i >= len(cfgs) {
			continue
		}
		out[i].Config = cfgs[i]
		var w wire.Function
		if json.Unmarshal(cfgs[i], &w) != nil {
			continue
		}
		for _, t := range w.Triggers {
			out[i].Triggers = append(out[i].Triggers, TriggerInfo{Event: t.Event, Expression: deref(t.Expression), Cron: t.Cron, Jitter: deref(t.Jitter)})
		}
	}
	return out
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}
