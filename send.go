package inngest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/durablefn/inngest/internal/wire"
)

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
	return withSendHooks(ctx, c.app().Config.Middleware, events, func(events []wire.Event) ([]string, error) {
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
	cfg := c.app().Config
	switch {
	case cfg.EventKey != "":
		return cfg.EventKey, nil
	case cfg.Dev:
		return "NO_EVENT_KEY_SET", nil
	}
	return "", errors.New("inngest: no event key: set ClientConfig.EventKey or INNGEST_EVENT_KEY (or use dev mode)")
}

// post sends the events, retrying as SendOpts say. Once it made an
// attempt, its error is a *SendError.
func (c *Client) post(ctx context.Context, opts *SendOpts, key string, events []wire.Event) ([]string, error) {
	cfg := c.app().Config
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
	cfg := c.app().Config
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
