package inngest

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/durablefn/inngest/internal/wire"
)

// flakyEventAPI fails half its requests: a 500 or a reset connection,
// each either before or after it took the events, so that some failed
// sends did land. It keeps one event per ID, as the real server starts
// functions once for events sent again with the same ID (within 24h).
type flakyEventAPI struct {
	mu       sync.Mutex
	rng      *rand.Rand
	stored   map[string]wire.Event
	requests int
	failed   int
	landed   int // failed requests whose events were stored anyway
}

func newFlakyEventAPI(seed uint64) *flakyEventAPI {
	return &flakyEventAPI{rng: rand.New(rand.NewPCG(seed, seed)), stored: map[string]wire.Event{}}
}

func (f *flakyEventAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var evs []wire.Event
	if err := json.NewDecoder(r.Body).Decode(&evs); err != nil {
		http.Error(w, `{"error":"bad body"}`, http.StatusBadRequest)
		return
	}
	f.mu.Lock()
	f.requests++
	fate := f.rng.IntN(8) // 0-3 succeed; 4-7 fail: 500, 500 after storing, reset, reset after storing
	store := fate < 4 || fate == 5 || fate == 7
	if store {
		for _, e := range evs {
			if _, dup := f.stored[e.ID]; !dup {
				f.stored[e.ID] = e
			}
		}
	}
	if fate >= 4 {
		f.failed++
		if store {
			f.landed++
		}
	}
	f.mu.Unlock()
	switch fate {
	case 4, 5:
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = w.Write([]byte(`{"error":"internal error"}`))
	case 6, 7:
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			_ = conn.Close()
		}
	default:
		ids := make([]string, len(evs))
		for i, e := range evs {
			ids[i] = e.ID
		}
		_ = json.NewEncoder(w).Encode(wire.SendResponse{IDs: ids, Status: 200})
	}
}

func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

// perLogicalEvent counts stored events by their data.n.
func (f *flakyEventAPI) perLogicalEvent(t *testing.T) map[int]int {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	out := map[int]int{}
	for _, e := range f.stored {
		var d struct {
			N int `json:"n"`
		}
		require.NoError(t, json.Unmarshal(e.Data, &d))
		out[d.N]++
	}
	return out
}

// An app that re-sends after a failed Send, as Send's doc says (with the
// IDs the SendError carries), stores every logical event exactly once,
// even though some failed sends landed.
func TestResendAfterFailureStoresEachEventOnce(t *testing.T) {
	const total = 1000
	// Two attempts per Send leave about one send in four failing, so the
	// app re-sends often. A nanosecond backoff keeps the test off the clock.
	opts := &SendOpts{MaxAttempts: 2, Backoff: time.Nanosecond}

	check := func(t *testing.T, api *flakyEventAPI, resends int) {
		t.Helper()
		counts := api.perLogicalEvent(t)
		require.Len(t, counts, total)
		for n := range total {
			require.Equal(t, 1, counts[n], "logical event %d stored %d times", n, counts[n])
		}
		// The test can only fail if failures happened and some of them
		// stored the events.
		require.Greater(t, api.failed, api.requests/3, "the API fails about half its requests")
		require.Positive(t, api.landed)
		require.Positive(t, resends)
	}

	t.Run("OneByOne", func(t *testing.T) {
		api := newFlakyEventAPI(1)
		srv := httptest.NewServer(api)
		defer srv.Close()
		c, err := NewClient(ClientConfig{EventKey: "key", EventAPIOrigin: srv.URL, Logger: discardLogger()})
		require.NoError(t, err)

		resends := 0
		for n := range total {
			ev := GenericEvent{Name: "test/order.placed", Data: map[string]any{"n": n}}
			for attempt := 1; ; attempt++ {
				_, err := c.SendWith(context.Background(), opts, ev)
				if err == nil {
					break
				}
				var serr *SendError
				require.ErrorAs(t, err, &serr)
				require.Len(t, serr.IDs, 1)
				require.Less(t, attempt, 100)
				ev.ID = serr.IDs[0] // the re-send is the same logical event
				resends++
			}
		}
		check(t, api, resends)
	})

	t.Run("Batches", func(t *testing.T) {
		api := newFlakyEventAPI(2)
		srv := httptest.NewServer(api)
		defer srv.Close()
		c, err := NewClient(ClientConfig{EventKey: "key", EventAPIOrigin: srv.URL, Logger: discardLogger()})
		require.NoError(t, err)

		resends := 0
		const size = 5
		for first := 0; first < total; first += size {
			batch := make([]GenericEvent, size)
			for i := range batch {
				batch[i] = GenericEvent{Name: "test/order.placed", Data: map[string]any{"n": first + i}}
			}
			for attempt := 1; ; attempt++ {
				evs := make([]Sendable, len(batch))
				for i := range batch {
					evs[i] = batch[i]
				}
				_, err := c.SendWith(context.Background(), opts, evs...)
				if err == nil {
					break
				}
				var serr *SendError
				require.ErrorAs(t, err, &serr)
				require.Len(t, serr.IDs, size)
				require.Less(t, attempt, 100)
				for i := range batch {
					batch[i].ID = serr.IDs[i]
				}
				resends++
			}
		}
		check(t, api, resends)
	})
}

// The IDs in a SendError are the events' own IDs, in the order of the
// events given to Send: those set by the caller are kept, the others are
// the ones the SDK assigned and sent.
func TestSendErrorCarriesTheEventIDs(t *testing.T) {
	var (
		mu   sync.Mutex
		sent [][]wire.Event
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var evs []wire.Event
		_ = json.NewDecoder(r.Body).Decode(&evs)
		mu.Lock()
		sent = append(sent, evs)
		mu.Unlock()
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	defer srv.Close()
	c, err := NewClient(ClientConfig{EventKey: "key", EventAPIOrigin: srv.URL, Logger: discardLogger()})
	require.NoError(t, err)

	_, err = c.SendWith(context.Background(), &SendOpts{MaxAttempts: 3, Backoff: time.Nanosecond},
		GenericEvent{Name: "a/b"}, GenericEvent{Name: "a/c", ID: "mine"})
	var serr *SendError
	require.ErrorAs(t, err, &serr)
	require.Equal(t, http.StatusServiceUnavailable, serr.Status)
	require.Equal(t, 3, serr.Attempts)
	require.Len(t, serr.IDs, 2)
	require.NotEmpty(t, serr.IDs[0])
	require.Equal(t, "mine", serr.IDs[1])
	require.Len(t, sent, 3)
	for _, evs := range sent {
		require.Equal(t, serr.IDs, []string{evs[0].ID, evs[1].ID}, "every attempt sent the IDs the error reports")
	}
}

// A 2xx answer whose body is not the event API's {"ids": [...]} is an
// error: the SDK cannot tell what was stored.
func TestSendRejectsMalformedSuccessBody(t *testing.T) {
	for name, body := range map[string]string{
		"NotJSON":      `<html>ok</html>`,
		"Truncated":    `{"ids":["01J`,
		"WrongTypes":   `{"ids":[1],"status":200}`,
		"StatusString": `{"ids":["01JX"],"status":"ok"}`,
	} {
		t.Run(name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				_, _ = w.Write([]byte(body))
			}))
			defer srv.Close()
			c, err := NewClient(ClientConfig{EventKey: "secret-event-key", EventAPIOrigin: srv.URL, Logger: discardLogger()})
			require.NoError(t, err)
			ids, err := c.Send(context.Background(), GenericEvent{Name: "a/b", ID: "ev-1"})
			require.Nil(t, ids)
			var serr *SendError
			require.ErrorAs(t, err, &serr)
			require.Equal(t, http.StatusOK, serr.Status)
			require.Equal(t, []string{"ev-1"}, serr.IDs)
			require.ErrorContains(t, err, "decoding")
			require.NotContains(t, err.Error(), "secret-event-key")
		})
	}
}

// stubTransport answers every request with status and then runs after.
type stubTransport struct {
	status int
	after  func()
}

func (s stubTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		_ = r.Body.Close()
	}
	defer s.after()
	return &http.Response{StatusCode: s.status, Header: http.Header{}, Body: http.NoBody, Request: r}, nil
}

// A context that ends while Send waits to retry gives a *SendError that
// wraps the context's error and carries the IDs.
func TestSendContextEndsDuringBackoff(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// The first attempt gets a 502 and ends the context; the hour of
	// backoff that follows can only end through the context.
	hc := &http.Client{Transport: stubTransport{status: http.StatusBadGateway, after: cancel}}
	c, err := NewClient(ClientConfig{EventKey: "k", EventAPIOrigin: "http://events.invalid", HTTPClient: hc, Logger: discardLogger()})
	require.NoError(t, err)
	_, err = c.SendWith(ctx, &SendOpts{MaxAttempts: 3, Backoff: time.Hour}, GenericEvent{Name: "a/b", ID: "ev-1"})
	var serr *SendError
	require.ErrorAs(t, err, &serr)
	require.ErrorIs(t, err, context.Canceled)
	require.Equal(t, 1, serr.Attempts)
	require.Equal(t, http.StatusBadGateway, serr.Status)
	require.Equal(t, []string{"ev-1"}, serr.IDs)
	require.Contains(t, err.Error(), "502")
}

// With both signing keys malformed, the error names the signing key first,
// every time, and shows neither key.
func TestTwoMalformedSigningKeysReportThePrimaryFirst(t *testing.T) {
	cfg := ClientConfig{SigningKey: "signkey-prod-not-hex-primary", SigningKeyFallback: "signkey-prod-not-hex-fallback"}
	var first string
	for range 64 {
		_, err := resolveConfig(cfg, env(nil))
		require.Error(t, err)
		msg := err.Error()
		if first == "" {
			first = msg
		}
		require.Equal(t, first, msg, "the same configuration gives the same error")
		require.NotContains(t, msg, "primary")
		require.NotContains(t, msg, "not-hex")
	}
	require.Regexp(t, `^inngest: the signing key `, first)

	_, err := resolveConfig(ClientConfig{SigningKey: "signkey-prod-aa", SigningKeyFallback: "signkey-prod-zz"}, env(nil))
	require.ErrorContains(t, err, "the fallback signing key")
}

// A nil or zero Client cannot send: Send says to use NewClient instead of
// panicking.
func TestZeroClientSend(t *testing.T) {
	var zero Client
	for name, c := range map[string]*Client{"Zero": &zero, "New": new(Client), "Nil": nil} {
		t.Run(name, func(t *testing.T) {
			_, err := c.Send(context.Background(), GenericEvent{Name: "a/b"})
			require.ErrorContains(t, err, "inngest.NewClient")
			require.Regexp(t, `^inngest: `, err.Error())
			require.False(t, errors.As(err, new(*SendError)), "nothing was sent")
			require.NotPanics(t, func() { _ = c.AppID(); _ = c.Dev() })
		})
	}
}
