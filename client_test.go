package inngest

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/durablefn/inngest/internal/wire"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestResolveConfig(t *testing.T) {
	tests := []struct {
		name  string
		cfg   ClientConfig
		env   map[string]string
		check func(t *testing.T, got resolvedView)
	}{
		{"zero value is cloud", ClientConfig{}, nil, func(t *testing.T, g resolvedView) {
			require.False(t, g.Dev)
			require.Equal(t, DefaultAPIOrigin, g.API)
			require.Equal(t, DefaultEventAPIOrigin, g.Events)
			require.Equal(t, "go-app", g.AppID)
		}},
		{"INNGEST_DEV=1", ClientConfig{}, map[string]string{"INNGEST_DEV": "1"}, func(t *testing.T, g resolvedView) {
			require.True(t, g.Dev)
			require.Equal(t, DefaultDevServerURL, g.API)
			require.Equal(t, DefaultDevServerURL, g.Events)
		}},
		{"INNGEST_DEV origin", ClientConfig{}, map[string]string{"INNGEST_DEV": "http://127.0.0.1:9999/"}, func(t *testing.T, g resolvedView) {
			require.True(t, g.Dev)
			require.Equal(t, "http://127.0.0.1:9999", g.API)
		}},
		{"explicit config beats env", ClientConfig{Dev: "0", AppID: "mine", EventKey: "k1", SigningKey: "signkey-a-00"}, map[string]string{
			"INNGEST_DEV": "1", "INNGEST_APP_ID": "theirs", "INNGEST_EVENT_KEY": "k2", "INNGEST_SIGNING_KEY": "signkey-b-11"}, func(t *testing.T, g resolvedView) {
			require.False(t, g.Dev)
			require.Equal(t, "mine", g.AppID)
			require.Equal(t, "k1", g.EventKey)
			require.Equal(t, "signkey-a-00", g.SigningKey)
		}},
		{"every env var", ClientConfig{}, map[string]string{
			"INNGEST_EVENT_KEY": "ek", "INNGEST_SIGNING_KEY": "signkey-prod-aa", "INNGEST_SIGNING_KEY_FALLBACK": "signkey-prod-bb",
			"INNGEST_ENV": "branch-1", "INNGEST_API_ORIGIN": "https://api.example.com", "INNGEST_EVENT_API_ORIGIN": "https://events.example.com",
			"INNGEST_SERVE_ORIGIN": "https://app.example.com", "INNGEST_SERVE_PATH": "/inngest"}, func(t *testing.T, g resolvedView) {
			require.Equal(t, "ek", g.EventKey)
			require.Equal(t, "signkey-prod-aa", g.SigningKey)
			require.Equal(t, "signkey-prod-bb", g.Fallback)
			require.Equal(t, "branch-1", g.Env)
			require.Equal(t, "https://api.example.com", g.API)
			require.Equal(t, "https://events.example.com", g.Events)
			require.Equal(t, "https://app.example.com", g.ServeOrigin)
			require.Equal(t, "/inngest", g.ServePath)
		}},
		{"upstream names of the origins", ClientConfig{}, map[string]string{
			"INNGEST_API_BASE_URL": "https://api.up.example/", "INNGEST_API_ORIGIN": "https://api.example.com",
			"INNGEST_EVENT_API_BASE_URL": "https://events.up.example", "INNGEST_BASE_URL": "http://inngest.internal:8288",
			"INNGEST_SERVE_HOST": "https://host.example.com"}, func(t *testing.T, g resolvedView) {
			require.Equal(t, "https://api.up.example", g.API)
			require.Equal(t, "https://events.up.example", g.Events)
			require.Equal(t, "https://host.example.com", g.ServeOrigin)
		}},
		{"INNGEST_SERVE_ORIGIN beats INNGEST_SERVE_HOST", ClientConfig{}, map[string]string{
			"INNGEST_SERVE_ORIGIN": "https://origin.example.com", "INNGEST_SERVE_HOST": "https://host.example.com"}, func(t *testing.T, g resolvedView) {
			require.Equal(t, "https://origin.example.com", g.ServeOrigin)
		}},
		{"INNGEST_BASE_URL sets both origins", ClientConfig{}, map[string]string{"INNGEST_BASE_URL": "http://inngest.internal:8288"}, func(t *testing.T, g resolvedView) {
			require.Equal(t, "http://inngest.internal:8288", g.API)
			require.Equal(t, "http://inngest.internal:8288", g.Events)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := resolveConfig(tt.cfg, env(tt.env))
			require.NoError(t, err)
			require.NotNil(t, got.HTTPClient)
			require.NotSame(t, http.DefaultClient, got.HTTPClient)
			tt.check(t, resolvedView{Dev: got.Dev, API: got.APIOrigin, Events: got.EventAPIOrigin, AppID: got.AppID,
				EventKey: got.EventKey, SigningKey: got.SigningKey, Fallback: got.SigningKeyFallback, Env: got.Env,
				ServeOrigin: got.ServeOrigin, ServePath: got.ServePath})
		})
	}

	for _, bad := range []ClientConfig{{Dev: "not a url"}, {AppID: "has space"}, {APIOrigin: "nope"}, {LogLevel: "loud"}} {
		_, err := resolveConfig(bad, env(nil))
		require.Error(t, err)
		require.Contains(t, err.Error(), "inngest:")
	}
}

type resolvedView struct {
	Dev                                                                             bool
	API, Events, AppID, EventKey, SigningKey, Fallback, Env, ServeOrigin, ServePath string
}

type fakeEvents struct {
	mu       sync.Mutex
	failures int // answer 503 this many times first
	status   int
	bodies   [][]wire.Event
	keys     []string
	envs     []string
}

func (f *fakeEvents) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var evs []wire.Event
	_ = json.NewDecoder(r.Body).Decode(&evs)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.bodies = append(f.bodies, evs)
	f.keys = append(f.keys, r.URL.Path)
	f.envs = append(f.envs, r.Header.Get("X-Inngest-Env"))
	if f.failures > 0 {
		f.failures--
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	if f.status != 0 {
		w.WriteHeader(f.status)
		_, _ = w.Write([]byte(`{"error":"event key not found"}`))
		return
	}
	ids := make([]string, len(evs))
	for i, e := range evs {
		ids[i] = e.ID
	}
	_ = json.NewEncoder(w).Encode(wire.SendResponse{IDs: ids, Status: 200})
}

func TestSend(t *testing.T) {
	type Order struct {
		ID string `json:"id"`
	}
	Placed := EventType[Order]("order/placed")

	fake := &fakeEvents{failures: 2}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	c, err := NewClient(ClientConfig{EventKey: "key-1", EventAPIOrigin: srv.URL, Env: "staging"})
	require.NoError(t, err)

	ids, err := c.SendWith(context.Background(), &SendOpts{Backoff: time.Millisecond}, Placed.New(Order{ID: "o1"}), GenericEvent{Name: "x/y"})
	require.NoError(t, err)
	require.Len(t, ids, 2)
	require.Len(t, fake.bodies, 3, "two 503s, then success")
	require.Equal(t, fake.bodies[0], fake.bodies[2], "a retried send carries the same IDs, so it is one logical event")
	require.Equal(t, ids[0], fake.bodies[2][0].ID)
	require.NotZero(t, fake.bodies[2][0].Timestamp)
	require.JSONEq(t, `{"id":"o1"}`, string(fake.bodies[2][0].Data))
	require.JSONEq(t, `{}`, string(fake.bodies[2][1].Data))
	require.Equal(t, "/e/key-1", fake.keys[0])
	require.Equal(t, "staging", fake.envs[0])

	_, err = c.Send(context.Background(), GenericEvent{})
	require.ErrorContains(t, err, "no name")
	_, err = c.Send(context.Background(), Event[[]int]{Name: "a/b", Data: []int{1}})
	require.ErrorContains(t, err, "JSON object")
}

func TestSendClientErrorsAreNotRetried(t *testing.T) {
	fake := &fakeEvents{status: http.StatusUnauthorized}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	c, err := NewClient(ClientConfig{EventKey: "bad-key", EventAPIOrigin: srv.URL})
	require.NoError(t, err)
	_, err = c.Send(context.Background(), GenericEvent{Name: "a/b"})
	var se *SendError
	require.ErrorAs(t, err, &se)
	require.Equal(t, http.StatusUnauthorized, se.Status)
	require.Contains(t, err.Error(), "check the event key")
	require.Contains(t, err.Error(), "event key not found")
	require.NotContains(t, err.Error(), "bad-key")
	require.Len(t, fake.bodies, 1)
}

func TestSendHonoursContext(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.WriteHeader(http.StatusBadGateway)
	}))
	defer srv.Close()
	c, err := NewClient(ClientConfig{EventKey: "k", EventAPIOrigin: srv.URL})
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	// A backoff of an hour: a Send that ignored the context would sleep
	// through it, so the bound below holds with minutes to spare on
	// either side, however loaded the machine.
	_, err = c.SendWith(ctx, &SendOpts{MaxAttempts: 100, Backoff: time.Hour}, GenericEvent{Name: "a/b"})
	require.ErrorIs(t, err, context.DeadlineExceeded)
	require.LessOrEqual(t, calls.Load(), int32(1), "no retry after the context ended")
	require.Less(t, time.Since(start), time.Minute)
}

func TestSendNeedsEventKeyInCloudMode(t *testing.T) {
	c, err := NewClient(ClientConfig{Dev: "0"})
	require.NoError(t, err)
	_, err = c.Send(context.Background(), GenericEvent{Name: "a/b"})
	require.ErrorContains(t, err, "no event key")
}

func TestSendCancelledMidRequestWrapsTheContextError(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer srv.Close()
	defer close(release)
	c, err := NewClient(ClientConfig{EventKey: "k", EventAPIOrigin: srv.URL})
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	_, err = c.Send(ctx, GenericEvent{Name: "a/b"})
	require.ErrorIs(t, err, context.DeadlineExceeded)
	var se *SendError
	require.ErrorAs(t, err, &se)
}

func TestLiteralErrorsDoNotPanic(t *testing.T) {
	require.Equal(t, "non-retriable error", (&NonRetriableError{}).Error())
	require.Equal(t, "retry later", (&RetryAfterError{}).Error())
}
