package inngest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/durablefn/inngest/internal/app"
	"github.com/durablefn/inngest/internal/sign"
	"github.com/durablefn/inngest/internal/wire"
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
	// Env: INNGEST_API_ORIGIN, then INNGEST_BASE_URL. Default: the dev
	// server in dev mode, DefaultAPIOrigin otherwise.
	APIOrigin string
	// EventAPIOrigin is where events are sent. Env:
	// INNGEST_EVENT_API_ORIGIN, then INNGEST_BASE_URL. Default: the dev
	// server in dev mode, DefaultEventAPIOrigin otherwise.
	EventAPIOrigin string
	// ServeOrigin is the public origin of the app's handler, used in the
	// URL reported at sync. Env: INNGEST_SERVE_ORIGIN. Default: taken
	// from the sync request.
	ServeOrigin string
	// ServePath is the public path of the app's handler. Env:
	// INNGEST_SERVE_PATH. Default: taken from the sync request.
	ServePath string
	// HTTPClient makes every outbound request. Default: a client with a
	// 30s timeout (never http.DefaultClient).
	HTTPClient *http.Client
	// Logger receives the SDK's logs. Default: slog.Default().
	Logger *slog.Logger
	// Middleware runs around every function of the client and every event
	// send, before any function's own middleware.
	Middleware []middleware.Middleware
}

// Client sends events and holds an app's functions. Create one per app
// with NewClient and share it; it is safe for concurrent use. A nil or zero
// Client has no configuration: Send and CreateFunction return an error
// saying to use NewClient, and handler.New serves an error.
type Client struct {
	app *app.App
}

func init() {
	app.Of = func(c any) (*app.App, bool) {
		cl, ok := c.(*Client)
		if !ok || cl == nil || cl.app == nil {
			return nil, false
		}
		return cl.app, true
	}
	app.EncodeEvent = func(e any) (wire.Event, error) {
		s, ok := e.(Sendable)
		if !ok {
			return wire.Event{}, fmt.Errorf("%T is not an event", e)
		}
		return s.toWire()
	}
}

// NewClient returns a client configured from cfg and the environment.
func NewClient(cfg ClientConfig) (*Client, error) {
	resolved, err := resolveConfig(cfg, os.Getenv)
	if err != nil {
		return nil, err
	}
	c := &Client{app: app.New(resolved)}
	c.app.Sender = wireSender{c}
	return c, nil
}

// AppID returns the client's app ID, or "" for a client not made by
// NewClient.
func (c *Client) AppID() string {
	if c.usable("AppID") != nil {
		return ""
	}
	return c.app.Config.AppID
}

// Dev reports whether the client runs in dev mode; false for a client not
// made by NewClient.
func (c *Client) Dev() bool { return c.usable("Dev") == nil && c.app.Config.Dev }

// usable returns an error naming op when c was not made by NewClient (a
// nil or zero Client), which has no configuration to work with.
func (c *Client) usable(op string) error {
	if c == nil || c.app == nil {
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
		ServeOrigin:        pick(cfg.ServeOrigin, "INNGEST_SERVE_ORIGIN"),
		ServePath:          pick(cfg.ServePath, "INNGEST_SERVE_PATH"),
		HTTPClient:         cfg.HTTPClient,
		Logger:             cfg.Logger,
		Middleware:         append([]middleware.Middleware(nil), cfg.Middleware...),
	}
	if out.AppID == "" {
		out.AppID = "go-app"
	}
	if err := checkSigningKeys(out.SigningKey, out.SigningKeyFallback); err != nil {
		return out, err
	}
	if strings.ContainsAny(out.AppID, " \t\r\n") {
		return out, fmt.Errorf("inngest: app ID %q contains whitespace; use a slug such as \"billing-service\"", out.AppID)
	}

	dev := cfg.Dev
	if dev == "" {
		dev = strings.TrimSpace(getenv("INNGEST_DEV"))
	} else {
		out.DevExplicit = true
	}
	devURL := ""
	switch strings.ToLower(dev) {
	case "", "0", "false", "no", "off":
		out.Dev = false
	case "1", "true", "yes", "on":
		out.Dev, devURL = true, DefaultDevServerURL
	default:
		u, err := url.Parse(dev)
		if err != nil || u.Scheme == "" || u.Host == "" {
			return out, fmt.Errorf("inngest: dev mode value %q is neither 1/0 nor an origin such as http://127.0.0.1:8288", dev)
		}
		out.Dev, devURL = true, strings.TrimRight(dev, "/")
	}
	out.DevExplicit = out.DevExplicit || getenv("INNGEST_DEV") != ""

	out.APIOrigin = pick(cfg.APIOrigin, "INNGEST_API_ORIGIN", "INNGEST_BASE_URL")
	out.EventAPIOrigin = pick(cfg.EventAPIOrigin, "INNGEST_EVENT_API_ORIGIN", "INNGEST_BASE_URL")
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
	return out, nil
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
		return fmt.Errorf("inngest: the %s is not a signing key: after its signkey-<env>- prefix it must be hex, as the keys Inngest issues are", bad[0])
	}
	return fmt.Errorf("inngest: the %s and the %s are not signing keys: after their signkey-<env>- prefix they must be hex, as the keys Inngest issues are", bad[0], bad[1])
}

// SendOpts tune Client.Send. A nil *SendOpts uses the defaults.
type SendOpts struct {
	// MaxAttempts bounds attempts on network errors and 5xx answers.
	// Default 5.
	MaxAttempts int
	// Backoff is the first retry delay, doubled each retry. Default 100ms.
	Backoff time.Duration
}

// SendError is a failed Send: the event API could not be reached, refused
// the events, or gave an answer the client could not use. The events may
// have been received anyway (an answer can be lost after the server took
// them), so send them again with the IDs in IDs: an event whose ID the
// server received in the last 24 hours starts no function again, so the
// re-send cannot run anything twice. Send's doc shows how.
//
// errors.Is and errors.As reach Err, the error behind a failure without a
// usable answer, through Unwrap.
type SendError struct {
	// Status is the HTTP status of the last answer, 0 when the last
	// attempt got none (a network error).
	Status int
	// Message is the server's message, or what went wrong with the last
	// attempt.
	Message string
	// Attempts is the number of attempts made.
	Attempts int
	// IDs are the events' IDs (Event.ID), in the order the events were
	// given to Send: the caller's own, or the ones the client assigned
	// before the first attempt and sent with every attempt. Give them to
	// the same events to send them again without duplicates.
	IDs []string
	// Err is the error behind a failure without a usable answer: the
	// network error, the context error (also when ctx ended while Send
	// waited to retry), or the error decoding a 2xx answer. Nil when the
	// server refused the events.
	Err error
}

// Unwrap returns Err.
func (e *SendError) Unwrap() error { return e.Err }

func (e *SendError) Error() string {
	switch {
	case e.Status == 0:
		return fmt.Sprintf("inngest: sending events failed after %d attempt(s): %s", e.Attempts, e.Message)
	case e.Status >= 200 && e.Status < 300:
		return fmt.Sprintf("inngest: sending events: the event API answered HTTP %d but %s; the events may have been received: send them again with the same IDs (SendError.IDs)", e.Status, e.Message)
	}
	hint := ""
	switch e.Status {
	case http.StatusUnauthorized, http.StatusForbidden:
		hint = " (check the event key: ClientConfig.EventKey or INNGEST_EVENT_KEY)"
	}
	return fmt.Sprintf("inngest: sending events failed with HTTP %d%s: %s", e.Status, hint, e.Message)
}

// Send sends events and returns the IDs the event API answered with, in
// order.
//
// Each event without an ID gets one before the first attempt, and every
// attempt sends the same IDs, so a retried attempt is the same logical
// event on the server. Network errors, 429 and 5xx answers are retried
// with backoff, up to SendOpts.MaxAttempts (5) or until ctx ends.
//
// When the events were not sent for sure, Send returns a *SendError (also
// when ctx ends while it waits to retry); errors found before sending,
// such as an event without a name or a missing event key, are plain
// errors. Some events of a failed send may have been received anyway, so
// to send the same logical events again, give them the IDs the error
// carries: the server starts no function again for an event ID it received
// in the last 24 hours.
//
//	ev := OrderPlaced.New(order)
//	_, err := client.Send(ctx, ev)
//	var serr *inngest.SendError
//	if errors.As(err, &serr) {
//		ev.ID = serr.IDs[0] // the same logical event, not a new one
//		_, err = client.Send(ctx, ev) // now, or later from a retry queue
//	}
//
// For several events, serr.IDs[i] belongs to the i-th event given to Send.
// An app can also set Event.ID itself, from something that names the
// event in its domain (an order ID), before the first send.
func (c *Client) Send(ctx context.Context, events ...Sendable) ([]string, error) {
	return c.SendWith(ctx, nil, events...)
}

// SendWith is Send with options.
func (c *Client) SendWith(ctx context.Context, opts *SendOpts, events ...Sendable) ([]string, error) {
	if err := c.usable("Send"); err != nil {
		return nil, err
	}
	if len(events) == 0 {
		return nil, nil
	}
	ws := make([]wire.Event, len(events))
	for i, e := range events {
		if e == nil {
			return nil, fmt.Errorf("inngest: event %d is nil", i)
		}
		w, err := e.toWire()
		if err != nil {
			return nil, fmt.Errorf("inngest: %w", err)
		}
		ws[i] = w
	}
	return c.sendWire(ctx, opts, ws)
}

type wireSender struct{ c *Client }

func (s wireSender) SendEvents(ctx context.Context, events []wire.Event) ([]string, error) {
	return s.c.sendWire(ctx, nil, events)
}

func (c *Client) sendWire(ctx context.Context, opts *SendOpts, events []wire.Event) ([]string, error) {
	key, err := c.eventKey()
	if err != nil {
		return nil, err
	}
	now := time.Now()
	ids := make([]string, len(events))
	for i := range events {
		if events[i].Name == "" {
			return nil, fmt.Errorf("inngest: event %d has no name", i)
		}
		if events[i].ID == "" {
			events[i].ID = uuid.Must(uuid.NewV7()).String()
		}
		if events[i].Timestamp == 0 {
			events[i].Timestamp = now.UnixMilli()
		}
		if len(events[i].Data) == 0 {
			events[i].Data = json.RawMessage("{}")
		}
		ids[i] = events[i].ID
	}
	return withSendHooks(ctx, c.app.Config.Middleware, events, func(events []wire.Event) ([]string, error) {
		out, err := c.post(ctx, opts, key, events)
		var serr *SendError
		if errors.As(err, &serr) {
			// The IDs as given to Send, before middleware: the ones to
			// give the same events when sending them again.
			serr.IDs = ids
		}
		return out, err
	})
}

// eventKey returns the key to send events with: the configured one, or a
// placeholder in dev mode, where servers accept any.
func (c *Client) eventKey() (string, error) {
	cfg := c.app.Config
	switch {
	case cfg.EventKey != "":
		return cfg.EventKey, nil
	case cfg.Dev:
		return "NO_EVENT_KEY_SET", nil
	}
	return "", errors.New("inngest: no event key: set ClientConfig.EventKey or INNGEST_EVENT_KEY (or use dev mode)")
}

// withSendHooks runs mws around send: BeforeSendEvents in order (any may
// change the events, and a refusal fails without retries, since sending
// the same events again would be refused again), AfterSendEvents in
// reverse order.
func withSendHooks(ctx context.Context, mws []middleware.Middleware, events []wire.Event, send func([]wire.Event) ([]string, error)) ([]string, error) {
	if len(mws) == 0 {
		return send(events)
	}
	evs := toMWEvents(events)
	for _, m := range mws {
		if err := m.BeforeSendEvents(ctx, evs); err != nil {
			return nil, NonRetriable(fmt.Errorf("inngest: middleware refused the events: %w", err))
		}
	}
	ids, err := send(fromMWEvents(evs))
	for i := len(mws) - 1; i >= 0; i-- {
		mws[i].AfterSendEvents(ctx, evs, ids, err)
	}
	return ids, err
}

func toMWEvents(events []wire.Event) []*middleware.Event {
	out := make([]*middleware.Event, len(events))
	for i, e := range events {
		out[i] = &middleware.Event{ID: e.ID, Name: e.Name, Data: e.Data, User: e.User, Timestamp: e.Timestamp, Version: e.Version}
	}
	return out
}

func fromMWEvents(events []*middleware.Event) []wire.Event {
	out := make([]wire.Event, 0, len(events))
	for _, e := range events {
		if e == nil {
			continue
		}
		out = append(out, wire.Event{ID: e.ID, Name: e.Name, Data: e.Data, User: e.User, Timestamp: e.Timestamp, Version: e.Version})
	}
	return out
}

// post sends the events, retrying as SendOpts say. Once it made an
// attempt, its error is a *SendError.
func (c *Client) post(ctx context.Context, opts *SendOpts, key string, events []wire.Event) ([]string, error) {
	cfg := c.app.Config
	body, err := json.Marshal(events)
	if err != nil {
		return nil, fmt.Errorf("inngest: encoding events: %w", err)
	}
	maxAttempts, backoff := 5, 100*time.Millisecond
	if opts != nil {
		if opts.MaxAttempts > 0 {
			maxAttempts = opts.MaxAttempts
		}
		if opts.Backoff > 0 {
			backoff = opts.Backoff
		}
	}
	endpoint := cfg.EventAPIOrigin + "/e/" + url.PathEscape(key)
	var last *SendError
	for attempt := 1; attempt <= maxAttempts; attempt++ {
		ids, serr, retry := c.sendOnce(ctx, endpoint, body, len(events))
		if serr == nil {
			return ids, nil
		}
		serr.Attempts = attempt
		last = serr
		if !retry || attempt == maxAttempts {
			break
		}
		t := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			t.Stop()
			last.Message = fmt.Sprintf("%s; then %v before attempt %d", last.Message, ctx.Err(), attempt+1)
			last.Err = ctx.Err()
			return nil, last
		case <-t.C:
		}
		backoff *= 2
	}
	return nil, last
}

// sendOnce makes one attempt; retry says whether another may succeed.
func (c *Client) sendOnce(ctx context.Context, endpoint string, body []byte, n int) ([]string, *SendError, bool) {
	cfg := c.app.Config
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, bytes.NewReader(body))
	if err != nil {
		return nil, &SendError{Message: "building the request failed: " + scrubURL(err), Err: err}, false
	}
	req.Header.Set(wire.HeaderContentType, "application/json")
	req.Header.Set(wire.HeaderSDK, wire.SDKHeader)
	req.Header.Set(wire.HeaderUserAgent, wire.SDKHeader)
	if cfg.Env != "" {
		req.Header.Set(wire.HeaderEnv, cfg.Env)
	}
	resp, err := cfg.HTTPClient.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, &SendError{Message: ctx.Err().Error(), Err: ctx.Err()}, false
		}
		return nil, &SendError{Message: scrubURL(err), Err: scrubbedError{msg: scrubURL(err), err: err}}, true
	}
	defer resp.Body.Close()
	raw, readErr := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		// The events were accepted; an answer that cannot be read leaves
		// their fate unknown, which the caller must hear about.
		if readErr != nil {
			msg := "reading its answer failed: " + scrubURL(readErr)
			return nil, &SendError{Status: resp.StatusCode, Message: msg, Err: scrubbedError{msg: msg, err: readErr}}, false
		}
		var out wire.SendResponse
		if err := json.Unmarshal(raw, &out); err != nil {
			return nil, &SendError{Status: resp.StatusCode, Message: `decoding its answer as {"ids": [...], "status": 200} failed: ` + err.Error(), Err: err}, false
		}
		if len(out.IDs) != n {
			return nil, &SendError{Status: resp.StatusCode, Message: fmt.Sprintf("it returned %d IDs for %d events", len(out.IDs), n)}, false
		}
		return out.IDs, nil, false
	}
	// A refusal: its JSON error message if it has one, else its text.
	var out wire.SendResponse
	if json.Unmarshal(raw, &out) != nil {
		out.Error = ""
	}
	msg := out.Error
	if msg == "" {
		msg = strings.TrimSpace(string(raw))
		if len(msg) > 200 {
			msg = msg[:200]
		}
	}
	if msg == "" {
		msg = http.StatusText(resp.StatusCode)
	}
	return nil, &SendError{Status: resp.StatusCode, Message: msg}, resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests
}

// scrubbedError is a network error whose message leaves out the URL (which
// holds the event key) while errors.Is and errors.As still reach the cause.
type scrubbedError struct {
	msg string
	err error
}

func (e scrubbedError) Error() string { return e.msg }

// Unwrap returns the cause behind the URL error.
func (e scrubbedError) Unwrap() error {
	var ue *url.Error
	if errors.As(e.err, &ue) {
		return ue.Err
	}
	return e.err
}

// scrubURL describes a network error without its URL, which holds the
// event key.
func scrubURL(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Op + ": " + ue.Err.Error()
	}
	return err.Error()
}
