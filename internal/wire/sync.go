package wire

import (
	"encoding/json"
	"fmt"
)

// DeployTypePing is the only deployType of a sync payload.
const DeployTypePing = "ping"

// RegisterRequest is the sync payload POSTed to /fn/register (§4.3.2).
type RegisterRequest struct {
	URL          string        `json:"url"`
	DeployType   string        `json:"deployType"`
	AppName      string        `json:"appName"`
	AppVersion   string        `json:"appVersion,omitempty"`
	SDK          string        `json:"sdk"`
	V            string        `json:"v"`
	Framework    string        `json:"framework,omitempty"`
	Functions    []Function    `json:"functions"`
	Capabilities *Capabilities `json:"capabilities,omitempty"`
}

// Capabilities advertises optional protocol features.
type Capabilities struct {
	InBandSync string `json:"in_band_sync,omitempty"`
	TrustProbe string `json:"trust_probe,omitempty"`
	// Connect is "v1" from a worker that serves over Connect.
	Connect string `json:"connect,omitempty"`
}

// RegisterResponse is the server's answer to a sync.
type RegisterResponse struct {
	OK       bool   `json:"ok"`
	Modified bool   `json:"modified"`
	Error    string `json:"error,omitempty"`
}

// SyncAnswer is the SDK's answer to a PUT (§4.3.1).
type SyncAnswer struct {
	Message  string `json:"message"`
	Modified bool   `json:"modified"`
}

// InBandSync is the SDK's in-band answer to a PUT that asked for one.
type InBandSync struct {
	AppID       string              `json:"app_id"`
	Env         *string             `json:"env"`
	Framework   string              `json:"framework"`
	Functions   []Function          `json:"functions"`
	Inspection  IntrospectionAuthed `json:"inspection"`
	Platform    *string             `json:"platform"`
	SDKAuthor   string              `json:"sdk_author"`
	SDKLanguage string              `json:"sdk_language"`
	SDKVersion  string              `json:"sdk_version"`
	URL         string              `json:"url"`
}

// Function is one function of a sync payload.
type Function struct {
	ID          string            `json:"id"`
	Name        string            `json:"name,omitempty"`
	Triggers    []Trigger         `json:"triggers"`
	Steps       map[string]Step   `json:"steps"`
	Idempotency *string           `json:"idempotency,omitempty"`
	BatchEvents *BatchEvents      `json:"batchEvents,omitempty"`
	Cancel      []Cancel          `json:"cancel,omitempty"`
	RateLimit   *RateLimit        `json:"rateLimit,omitempty"`
	Throttle    *Throttle         `json:"throttle,omitempty"`
	Debounce    *Debounce         `json:"debounce,omitempty"`
	Priority    *Priority         `json:"priority,omitempty"`
	Concurrency Concurrencies     `json:"concurrency,omitempty"`
	Timeouts    *Timeouts         `json:"timeouts,omitempty"`
	Singleton   *Singleton        `json:"singleton,omitempty"`
	Checkpoint  *CheckpointConfig `json:"checkpoint,omitempty"`
}

// Trigger is an event trigger (event, optional expression) or a cron
// trigger (cron, optional jitter).
type Trigger struct {
	Event      string  `json:"event,omitempty"`
	Expression *string `json:"expression,omitempty"`
	Cron       string  `json:"cron,omitempty"`
	Jitter     *string `json:"jitter,omitempty"`
}

// Step is the single "step" entry of a function's steps map.
type Step struct {
	ID      string       `json:"id"`
	Name    string       `json:"name"`
	Runtime StepRuntime  `json:"runtime"`
	Retries *StepRetries `json:"retries,omitempty"`
}

// StepRuntime says how to reach a function.
type StepRuntime struct {
	Type string `json:"type"`
	URL  string `json:"url"`
}

// StepRetries holds the number of retries. The spec calls it the number
// of attempts, but the real server reads it as retries: attempts is
// retries+1.
type StepRetries struct {
	Attempts int `json:"attempts"`
}

// BatchEvents configures event batching.
type BatchEvents struct {
	MaxSize int     `json:"maxSize"`
	Timeout string  `json:"timeout"`
	Key     *string `json:"key,omitempty"`
	If      *string `json:"if,omitempty"`
}

// Cancel cancels a run when a matching event arrives.
type Cancel struct {
	Event   string  `json:"event"`
	If      *string `json:"if,omitempty"`
	Timeout *string `json:"timeout,omitempty"`
}

// RateLimit drops runs above limit per period.
type RateLimit struct {
	Limit  int     `json:"limit"`
	Period string  `json:"period"`
	Key    *string `json:"key,omitempty"`
}

// Throttle delays runs above limit per period.
type Throttle struct {
	Limit  int     `json:"limit"`
	Period string  `json:"period"`
	Burst  int     `json:"burst,omitempty"`
	Key    *string `json:"key,omitempty"`
}

// Debounce delays a run until events stop arriving for period.
type Debounce struct {
	Key     *string `json:"key,omitempty"`
	Period  string  `json:"period"`
	Timeout *string `json:"timeout,omitempty"`
}

// Priority orders runs by an expression's value.
type Priority struct {
	Run *string `json:"run,omitempty"`
}

// Concurrency limits concurrent steps, optionally per key.
type Concurrency struct {
	Limit int     `json:"limit"`
	Key   *string `json:"key,omitempty"`
	Scope string  `json:"scope,omitempty"`
	// Run marks a limit of the newer form's "fn" list, which the server
	// holds for a whole run rather than a step; never sent.
	Run bool `json:"-"`
}

// Concurrencies is a function's concurrency list. On the way in it also
// accepts the server's other forms: a bare number, a single object, and
// the newer {"fn": […], "step": […]} (ConcurrencyLimits.UnmarshalJSON,
// pkg/inngest/concurrency.go), whose "step" limits are the list's and
// whose "fn" limits are marked Run.
type Concurrencies []Concurrency

// UnmarshalJSON accepts a number, an object or an array.
func (c *Concurrencies) UnmarshalJSON(b []byte) error {
	if IsNull(b) {
		*c = nil
		return nil
	}
	switch b[0] {
	case '[':
		var list []Concurrency
		if err := json.Unmarshal(b, &list); err != nil {
			return err
		}
		*c = list
	case '{':
		var lists struct{ Fn, Step []Concurrency }
		if json.Unmarshal(b, &lists) == nil && len(lists.Fn)+len(lists.Step) > 0 {
			for i := range lists.Fn {
				lists.Fn[i].Run = true
			}
			*c = append(lists.Step, lists.Fn...)
			return nil
		}
		var one Concurrency
		if err := json.Unmarshal(b, &one); err != nil {
			return err
		}
		*c = Concurrencies{one}
	default:
		var n int
		if err := json.Unmarshal(b, &n); err != nil {
			return fmt.Errorf("concurrency: want a number, an object or an array: %w", err)
		}
		*c = Concurrencies{{Limit: n}}
	}
	return nil
}

// Timeouts bound the time to start and to finish a run.
type Timeouts struct {
	Start  *string `json:"start,omitempty"`
	Finish *string `json:"finish,omitempty"`
}

// Singleton allows one run at a time per key.
type Singleton struct {
	Key  *string `json:"key,omitempty"`
	Mode string  `json:"mode"`
}

// IntrospectionSchema is the introspection schema version answered.
const IntrospectionSchema = "2024-05-24"

// Introspection is the body of a GET introspection request (§4.5, schema
// 2024-05-24) for a caller whose signature was not verified: no secrets,
// no hashes, no origins.
type Introspection struct {
	AuthenticationSucceeded *bool  `json:"authentication_succeeded"`
	FunctionCount           int    `json:"function_count"`
	HasEventKey             bool   `json:"has_event_key"`
	HasSigningKey           bool   `json:"has_signing_key"`
	HasSigningKeyFallback   bool   `json:"has_signing_key_fallback"`
	Mode                    string `json:"mode"`
	SchemaVersion           string `json:"schema_version"`
}

// IntrospectionAuthed is the introspection body for a verified caller. It
// holds hashes of the keys, never the keys.
type IntrospectionAuthed struct {
	Introspection
	APIOrigin              string       `json:"api_origin"`
	AppID                  string       `json:"app_id"`
	Capabilities           Capabilities `json:"capabilities"`
	Env                    *string      `json:"env"`
	EventAPIOrigin         string       `json:"event_api_origin"`
	EventKeyHash           *string      `json:"event_key_hash"`
	Framework              string       `json:"framework"`
	SDKLanguage            string       `json:"sdk_language"`
	SDKVersion             string       `json:"sdk_version"`
	ServeOrigin            *string      `json:"serve_origin"`
	ServePath              *string      `json:"serve_path"`
	SigningKeyFallbackHash *string      `json:"signing_key_fallback_hash"`
	SigningKeyHash         *string      `json:"signing_key_hash"`
}
