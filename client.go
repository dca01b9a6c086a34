package inngest

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/durablefn/inngest/internal/app"
	"github.com/durablefn/inngest/internal/sign"
	"github.com/durablefn/inngest/middleware"
)

// Default origins of Inngest Cloud and of a local dev server.
const (
	DefaultAPIOrigin      = "https://api.inngest.com"
	DefaultEventAPIOrigin = "https://inn.gs"
	DefaultDevServerURL   = "http://localhost:8288"
	DefaultServePath      = "/api/inngest"
)

// ClientConfig configures a Client. The zero value is valid: every field
// falls back to its environment variable, then to its default. Explicit
// values always win over the environment.
type ClientConfig struct {
	// AppID names the app; function IDs are prefixed with it on the
	// server. Env: INNGEST_APP_ID. Default: "go-app".
	AppID string
	// AppVersion is an optional version string reported at sync.
	AppVersion string
	// EventKey authorizes sending events. Env: INNGEST_EVENT_KEY. Not
	// needed in dev mode.
	EventKey string
	// SigningKey verifies requests from the server and signs requests to
	// it. Env: INNGEST_SIGNING_KEY. Required in cloud mode.
	SigningKey string
	// SigningKeyFallback is tried when SigningKey fails, for key rotation.
	// Env: INNGEST_SIGNING_KEY_FALLBACK.
	SigningKeyFallback string
	// Env selects an Inngest environment (branch). Env: INNGEST_ENV.
	Env string
	// Dev selects dev mode: "1" or "true" targets a dev server at
	// DefaultDevServerURL, an origin such as "http://127.0.0.1:8288"
	// targets that dev server, "0" or "false" forces cloud mode, "" reads
	// INNGEST_DEV (and means cloud mode when that is unset too). Dev mode
	// skips request signature verification.
	Dev string
	// APIOrigin is where the server's API lives (sync, use_api fetches).
	// Env: INNGEST_API_BASE_URL, then INNGEST_API_ORIGIN, then
	// INNGEST_BASE_URL. Default: the dev server in dev mode,
	// DefaultAPIOrigin otherwise.
	APIOrigin string
	// EventAPIOrigin is where events are sent. Env:
	// INNGEST_EVENT_API_BASE_URL, then INNGEST_EVENT_API_ORIGIN, then
	// INNGEST_BASE_URL. Default: the dev server in dev mode,
	// DefaultEventAPIOrigin otherwise.
	EventAPIOrigin string
	// ServeOrigin is the public origin of the app's handler, used in the
	// URL reported at sync. Env: INNGEST_SERVE_ORIGIN, then
	// INNGEST_SERVE_HOST (its older name). Default: taken from the sync
	// request.
	ServeOrigin string
	// ServePath is the public path of the app's handler. Env:
	// INNGEST_SERVE_PATH. Default: taken from the sync request.
	ServePath string
	// HTTPClient makes every outbound request. Default: a client with a
	// 30s timeout (never http.DefaultClient).
	HTTPClient *http.Client
	// Logger receives the SDK's logs. Default: slog.Default().
	Logger *slog.Logger
	// LogLevel is the least severe level of the SDK's logs that reach
	// Logger: "debug", "info", "warn", "error", or "silent" for none
	// ("fatal" reads as "error", as in inngest-js). It filters before
	// Logger's own handler, which may drop more, and applies to the
	// run loggers built on Logger too. Env: INNGEST_LOG_LEVEL.
	// Default: "", every line goes to Logger.
	LogLevel string
	// Middleware runs around every function of the client and every event
	// send, before any function's own middleware.
	Middleware []middleware.Middleware
	// Checkpoint is the checkpointing of every function created with the
	// client that sets no FunctionOpts.Checkpoint of its own (see
	// Checkpoint), sent at sync as the function's own would be; a function
	// opts out with FunctionOpts.Checkpoint set to
	// &inngest.Checkpoint{Disabled: true}. OnFailure handlers never
	// checkpoint. Checked as FunctionOpts.Checkpoint is, by NewClient.
	// Default: nil, no function checkpoints unless it asks to.
	Checkpoint *Checkpoint
}

// Client sends events and holds an app's functions. Create one per app
// with NewClient and share it; it is safe for concurrent use. A nil or zero
// Client has no configuration: Send and CreateFunction return an error
// saying to use NewClient, and handler.New serves an error.
type Client struct {
	handle // the client's app.App, which app.Of reaches
}

// app returns the client's registry and resolved config; nil for a
// client not made by NewClient.
func (c *Client) app() *app.App {
	a, _ := app.Of(c)
	return a
}

// handle is an unexported name for app.Handle, so that embedding it adds
// nothing to the Client's API.
type handle = app.Handle

// NewClient returns a client configured from cfg and the environment.
func NewClient(cfg ClientConfig) (*Client, error) {
	resolved, err := resolveConfig(cfg, os.Getenv)
	if err != nil {
		return nil, err
	}
	a := app.New(resolved)
	c := &Client{handle: app.NewHandle(a)}
	a.Sender = wireSender{c}
	a.Encode = encodeSendable
	a.Classify = classify
	return c, nil
}

// AppID returns the client's app ID, or "" for a client not made by
// NewClient.
func (c *Client) AppID() string {
	if c.usable("AppID") != nil {
		return ""
	}
	return c.app().Config.AppID
}

// Dev reports whether the client runs in dev mode; false for a client not
// made by NewClient.
func (c *Client) Dev() bool { return c.usable("Dev") == nil && c.app().Config.Dev }

// usable returns an error naming op when c was not made by NewClient (a
// nil or zero Client), which has no configuration to work with.
func (c *Client) usable(op string) error {
	if c == nil || c.app() == nil {
		return fmt.Errorf("inngest: %s needs a client made by inngest.NewClient; a nil or zero Client has no configuration", op)
	}
	return nil
}

func resolveConfig(cfg ClientConfig, getenv func(string) string) (app.Config, error) {
	pick := func(v string, envs ...string) string {
		if v != "" {
			return v
		}
		for _, e := range envs {
			if s := strings.TrimSpace(getenv(e)); s != "" {
				return s
			}
		}
		return ""
	}
	out := app.Config{
		AppID:              pick(cfg.AppID, "INNGEST_APP_ID"),
		AppVersion:         cfg.AppVersion,
		EventKey:           pick(cfg.EventKey, "INNGEST_EVENT_KEY"),
		SigningKey:         pick(cfg.SigningKey, "INNGEST_SIGNING_KEY"),
		SigningKeyFallback: pick(cfg.SigningKeyFallback, "INNGEST_SIGNING_KEY_FALLBACK"),
		Env:                pick(cfg.Env, "INNGEST_ENV"),
		ServeOrigin:        pick(cfg.ServeOrigin, "INNGEST_SERVE_ORIGIN", "INNGEST_SERVE_HOST"),
		ServePath:          pick(cfg.ServePath, "INNGEST_SERVE_PATH"),
		HTTPClient:         cfg.HTTPClient,
		Logger:             cfg.Logger,
		Middleware:         append([]middleware.Middleware(nil), cfg.Middleware...),
	}
	if out.AppID == "" {
		out.AppID = "go-app"
	}
	if err := cfg.Checkpoint.validate(); err != nil {
		return out, fmt.Errorf("inngest: ClientConfig.%w", err)
	}
	out.Checkpoint = cfg.Checkpoint.policy()
	if err := checkSigningKeys(out.SigningKey, out.SigningKeyFallback); err != nil {
		return out, err
	}
	if strings.ContainsAny(out.AppID, " \t\r\n") {
		return out, fmt.Errorf("inngest: app ID %q contains whitespace; use a slug such as \"billing-service\"", out.AppID)
	}

	devURL, err := resolveDev(&out, cfg.Dev, getenv)
	if err != nil {
		return out, err
	}
	out.APIOrigin = pick(cfg.APIOrigin, "INNGEST_API_BASE_URL", "INNGEST_API_ORIGIN", "INNGEST_BASE_URL")
	out.EventAPIOrigin = pick(cfg.EventAPIOrigin, "INNGEST_EVENT_API_BASE_URL", "INNGEST_EVENT_API_ORIGIN", "INNGEST_BASE_URL")
	if out.APIOrigin == "" {
		out.APIOrigin = DefaultAPIOrigin
		if out.Dev {
			out.APIOrigin = devURL
		}
	}
	if out.EventAPIOrigin == "" {
		out.EventAPIOrigin = DefaultEventAPIOrigin
		if out.Dev {
			out.EventAPIOrigin = devURL
		}
	}
	for _, o := range []*string{&out.APIOrigin, &out.EventAPIOrigin, &out.ServeOrigin} {
		*o = strings.TrimRight(*o, "/")
		if *o == "" {
			continue
		}
		if u, err := url.Parse(*o); err != nil || u.Scheme == "" || u.Host == "" {
			return out, fmt.Errorf("inngest: %q is not an origin such as https://example.com", *o)
		}
	}
	if out.HTTPClient == nil {
		out.HTTPClient = &http.Client{Timeout: 30 * time.Second}
	}
	if out.Logger == nil {
		out.Logger = slog.Default()
	}
	level := pick(cfg.LogLevel, "INNGEST_LOG_LEVEL")
	if out.Logger, err = withLogLevel(out.Logger, level); err != nil {
		return out, err
	}
	return out, nil
}

// resolveDev sets out's dev mode from the configured value, else
// INNGEST_DEV, and returns the dev server's origin in dev mode.
func resolveDev(out *app.Config, dev string, getenv func(string) string) (string, error) {
	out.DevExplicit = dev != "" || getenv("INNGEST_DEV") != ""
	if dev == "" {
		dev = strings.TrimSpace(getenv("INNGEST_DEV"))
	}
	switch strings.ToLower(dev) {
	case "", "0", "false", "no", "off":
		out.Dev = false
		return "", nil
	case "1", "true", "yes", "on":
		out.Dev = true
		return DefaultDevServerURL, nil
	}
	u, err := url.Parse(dev)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return "", fmt.Errorf("inngest: dev mode value %q is neither 1/0 nor an origin such as http://127.0.0.1:8288", dev)
	}
	out.Dev = true
	return strings.TrimRight(dev, "/"), nil
}

// checkSigningKeys reports the malformed keys among the signing key and its
// fallback, the signing key first, without showing either key.
func checkSigningKeys(key, fallback string) error {
	var bad []string
	for _, k := range []struct{ name, key string }{{"signing key", key}, {"fallback signing key", fallback}} {
		if k.key == "" {
			continue
		}
		if _, err := sign.HashedKey(k.key); err != nil {
			bad = append(bad, k.name)
		}
	}
	switch len(bad) {
	case 0:
		return nil
	case 1:
		return fmt.Errorf("inngest: the %s is not a signing key: after its signkey-<env>- prefix it must be hex, and not empty, as the keys Inngest issues are", bad[0])
	}
	return fmt.Errorf("inngest: the %s and the %s are not signing keys: after their signkey-<env>- prefix they must be hex, and not empty, as the keys Inngest issues are", bad[0], bad[1])
}
