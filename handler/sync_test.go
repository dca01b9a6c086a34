package handler_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/handler"
	"github.com/durablefn/inngest/internal/sign"
	"github.com/durablefn/inngest/internal/wire"
)

// registry is a fake /fn/register endpoint.
type registry struct {
	mu       sync.Mutex
	requests []*http.Request
	bodies   [][]byte
	status   int
	answer   string
}

func (f *registry) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	f.requests = append(f.requests, r)
	f.bodies = append(f.bodies, b)
	status, answer := f.status, f.answer
	f.mu.Unlock()
	if status == 0 {
		status, answer = 200, `{"ok":true,"modified":true}`
	}
	w.WriteHeader(status)
	_, _ = io.WriteString(w, answer)
}

func (f *registry) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.requests)
}

func syncFixture(t *testing.T, dev bool, status int, answer string) (*handler.Handler, *registry, time.Time) {
	t.Helper()
	return syncFixtureEnv(t, dev, status, answer, func(string) string { return "" })
}

// syncFixtureEnv is syncFixture with the handler reading the environment
// from getenv.
func syncFixtureEnv(t *testing.T, dev bool, status int, answer string, getenv func(string) string) (*handler.Handler, *registry, time.Time) {
	t.Helper()
	reg := &registry{status: status, answer: answer}
	srv := httptest.NewServer(reg)
	t.Cleanup(srv.Close)
	cfg := inngest.ClientConfig{AppID: "app", SigningKey: testSigningKey, APIOrigin: srv.URL, Logger: discardLogger()}
	if dev {
		cfg.Dev = srv.URL
	} else {
		cfg.Dev = "0"
	}
	c, err := inngest.NewClient(cfg)
	require.NoError(t, err)
	retries := 5
	_, err = inngest.CreateFunction(c, inngest.FunctionOpts{
		ID: "fn", Name: "My fn", Retries: &retries,
		Concurrency: []inngest.Concurrency{{Limit: 2, Key: "event.data.user_id"}},
		Throttle:    &inngest.Throttle{Limit: 10, Period: time.Minute, Burst: 2},
		RateLimit:   &inngest.RateLimit{Limit: 1, Period: time.Hour, Key: "event.data.id"},
		Debounce:    &inngest.Debounce{Period: 5 * time.Second, Timeout: time.Minute},
		Priority:    &inngest.Priority{Run: "event.data.priority"},
		Idempotency: "event.data.order_id",
		CancelOn:    []inngest.CancelOn{{Event: "order/cancelled", Match: "data.order_id", Timeout: 24 * time.Hour}},
		Timeouts:    &inngest.Timeouts{Start: time.Minute, Finish: time.Hour},
		Singleton:   &inngest.Singleton{Key: "event.data.user_id", Mode: inngest.SingletonCancel},
		OnFailure:   func(ctx context.Context, in inngest.FailureInput) error { return nil },
	}, inngest.OnEvent("order/created").If("event.data.total > 10").OrCron("TZ=Europe/Paris 0 9 * * *"),
		func(ctx context.Context, in inngest.Input[anyData]) (string, error) { return "ok", nil })
	require.NoError(t, err)
	_, err = inngest.CreateFunction(c, inngest.FunctionOpts{ID: "batch", BatchEvents: &inngest.BatchEvents{MaxSize: 100, Timeout: 5 * time.Second, Key: "event.data.tenant"}},
		inngest.OnEvent("row/imported"), func(ctx context.Context, in inngest.Input[anyData]) (int, error) { return len(in.Events), nil })
	require.NoError(t, err)
	return handler.NewWithEnv(c, handler.Config{Now: time.Now}, getenv), reg, time.Now()
}

func TestOutOfBandSync(t *testing.T) {
	h, reg, _ := syncFixture(t, true, 0, "")
	res := do(t, h, http.MethodPut, "http://app.local:3000/api/inngest?deployId=d-123", nil, map[string]string{wire.HeaderServerKind: "dev"})
	require.Equal(t, http.StatusOK, res.Code, "%s", res.Body)
	require.JSONEq(t, `{"message":"Successfully synced.","modified":true}`, string(res.Body))
	require.Equal(t, 1, reg.count())

	r := reg.requests[0]
	require.Equal(t, "/fn/register", r.URL.Path)
	require.Equal(t, "d-123", r.URL.Query().Get("deployId"))
	bearer, _ := sign.HashedKey(testSigningKey)
	require.Equal(t, "Bearer "+bearer, r.Header.Get("Authorization"))
	require.Equal(t, "dev", r.Header.Get("X-Inngest-Expected-Server-Kind"))
	require.Equal(t, wire.SDKHeader, r.Header.Get("X-Inngest-Sdk"))
	golden(t, "sync_payload", reg.bodies[0])

	var payload wire.RegisterRequest
	require.NoError(t, json.Unmarshal(reg.bodies[0], &payload))
	require.Equal(t, "http://app.local:3000/api/inngest", payload.URL, "the deployId stays out of the app URL")
	require.Len(t, payload.Functions, 3, "the onFailure companion is registered too")
}

func TestSyncRefused(t *testing.T) {
	h, _, _ := syncFixture(t, true, 400, `{"error":"invalid function config: bad cron"}`)
	res := do(t, h, http.MethodPut, "http://app.local/api/inngest", nil, nil)
	require.Equal(t, http.StatusInternalServerError, res.Code)
	var ans wire.SyncAnswer
	require.NoError(t, json.Unmarshal(res.Body, &ans))
	require.False(t, ans.Modified)
	require.Contains(t, ans.Message, "invalid function config: bad cron")
	require.Contains(t, ans.Message, "HTTP 400")
}

func TestCloudSyncNeedsSignature(t *testing.T) {
	h, reg, now := syncFixture(t, false, 0, "")
	res := do(t, h, http.MethodPut, "https://app.example.com/api/inngest", nil, nil)
	require.Equal(t, http.StatusUnauthorized, res.Code)
	require.Zero(t, reg.count(), "an unsigned PUT must not make the app call out")

	res = do(t, h, http.MethodPut, "https://app.example.com/api/inngest", []byte(`{"url":"x"}`), signed([]byte(`{"url":"x"}`), testSigningKey, now))
	require.Equal(t, http.StatusOK, res.Code, "%s", res.Body)
	require.Equal(t, 1, reg.count())
}

func TestInBandSync(t *testing.T) {
	h, reg, now := syncFixture(t, false, 0, "")
	body := []byte(`{"url":"https://app.example.com/api/inngest"}`)
	hdr := signed(body, testSigningKey, now)
	hdr[wire.HeaderSyncKind] = "in_band"
	hdr[wire.HeaderServerKind] = "cloud"
	res := do(t, h, http.MethodPut, "https://app.example.com/api/inngest", body, hdr)
	require.Equal(t, http.StatusOK, res.Code, "%s", res.Body)
	require.Equal(t, "in_band", res.Header.Get(wire.HeaderSyncKind))
	require.Zero(t, reg.count(), "in-band sync makes no outbound call")
	var ans wire.InBandSync
	require.NoError(t, json.Unmarshal(res.Body, &ans))
	require.Equal(t, "app", ans.AppID)
	require.Len(t, ans.Functions, 3)
	require.Equal(t, "go", ans.SDKLanguage)
	require.NotContains(t, string(res.Body), sign.StripPrefix(testSigningKey))

	// Asking in-band without a valid signature falls back to nothing in
	// cloud mode: the request is refused.
	delete(hdr, wire.HeaderSignature)
	res = do(t, h, http.MethodPut, "https://app.example.com/api/inngest", body, hdr)
	require.Equal(t, http.StatusUnauthorized, res.Code)
}

func TestDevInBandWithoutKeyIsOutOfBand(t *testing.T) {
	h, reg, _ := syncFixture(t, true, 0, "")
	res := do(t, h, http.MethodPut, "http://app.local/api/inngest", nil, map[string]string{wire.HeaderSyncKind: "in_band"})
	require.Equal(t, http.StatusOK, res.Code)
	require.Equal(t, 1, reg.count(), "an unverified in-band request gets an out-of-band sync")
}

func TestHandlerSyncMethod(t *testing.T) {
	h, reg, _ := syncFixture(t, true, 0, "")
	require.NoError(t, h.Sync(context.Background(), "http://127.0.0.1:3000/api/inngest"))
	require.Equal(t, 1, reg.count())
}

func TestSyncURLIgnoresUnsignedForwardedHeaders(t *testing.T) {
	h, reg, now := syncFixture(t, false, 0, "")
	body := []byte(`{"url":"https://app.example.com/api/inngest"}`)
	hdr := signed(body, testSigningKey, now)
	hdr["X-Forwarded-Host"] = "attacker.example"
	hdr["X-Forwarded-Proto"] = "https"
	res := do(t, h, http.MethodPut, "https://app.example.com/api/inngest", body, hdr)
	require.Equal(t, http.StatusOK, res.Code, "%s", res.Body)
	var payload wire.RegisterRequest
	require.NoError(t, json.Unmarshal(reg.bodies[0], &payload))
	require.Equal(t, "https://app.example.com/api/inngest", payload.URL)
	require.NotContains(t, string(reg.bodies[0]), "attacker")
}

func TestSyncRefusesRelativeAppURL(t *testing.T) {
	h, reg, _ := syncFixture(t, true, 0, "")
	require.ErrorContains(t, h.Sync(context.Background(), "localhost:3000/api/inngest"), "must be absolute")
	require.Zero(t, reg.count())
}
