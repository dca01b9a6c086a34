package handler_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/handler"
	"github.com/durablefn/inngest/internal/sign"
	"github.com/durablefn/inngest/internal/wire"
)

var update = flag.Bool("update", false, "rewrite golden files")

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

const (
	testSigningKey  = "signkey-test-8ee2262a15e8d3c42d6a840db7af3de2aab08ef632b32a37a687f24b34dba3ff"
	testFallbackKey = "signkey-test-2a1a14b6b0ea4f7aa2e6da5d2c0bdbf6b9a7c07a4e7a1dbdd2b6c8e1b7d9c9ab"
)

// memo is a memoized step: user ID (pre-hash, with any :n suffix) and value.
type memo struct {
	id  string
	raw string
}

func data(id string, v string) memo { return memo{id: id, raw: `{"data":` + v + `}`} }

// callBody builds a call request body with memoized steps in stack order.
func callBody(t testing.TB, event string, steps []memo, mutate func(*wire.CallRequest)) []byte {
	t.Helper()
	req := wire.CallRequest{
		Event:  json.RawMessage(event),
		Events: []json.RawMessage{json.RawMessage(event)},
		Steps:  map[string]json.RawMessage{},
		Ctx:    wire.CallCtx{RunID: "01JRUN", FnID: "fn-uuid", StepID: "step", Stack: wire.Stack{Stack: []string{}}},
	}
	for _, m := range steps {
		h := wire.HashStepID(m.id)
		req.Steps[h] = json.RawMessage(m.raw)
		req.Ctx.Stack.Stack = append(req.Ctx.Stack.Stack, h)
	}
	req.Ctx.Stack.Current = len(req.Ctx.Stack.Stack)
	if mutate != nil {
		mutate(&req)
	}
	b, err := json.Marshal(req)
	require.NoError(t, err)
	return b
}

const testEvent = `{"id":"01JEVT","name":"test/event","data":{"id":"abc","n":1},"user":{},"ts":1700000000000}`

type response struct {
	Code   int
	Header http.Header
	Body   []byte
}

func (r response) ops(t testing.TB) []wire.Op {
	t.Helper()
	require.Equal(t, http.StatusPartialContent, r.Code, "body: %s", r.Body)
	var ops []wire.Op
	require.NoError(t, json.Unmarshal(r.Body, &ops))
	return ops
}

func (r response) userError(t testing.TB) wire.UserError {
	t.Helper()
	var ue wire.UserError
	require.NoError(t, json.Unmarshal(r.Body, &ue), "body: %s", r.Body)
	return ue
}

func do(t testing.TB, h http.Handler, method, target string, body []byte, hdr map[string]string) response {
	t.Helper()
	req := httptest.NewRequest(method, target, bytes.NewReader(body))
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	res := rec.Result()
	defer res.Body.Close()
	return response{Code: rec.Code, Header: res.Header, Body: rec.Body.Bytes()}
}

// post sends a call request for function fnID of app "app".
func post(t testing.TB, h http.Handler, fnID, stepID string, body []byte) response {
	t.Helper()
	return do(t, h, http.MethodPost, "/api/inngest?fnId=app-"+fnID+"&stepId="+stepID, body, map[string]string{wire.HeaderServerKind: wire.ServerKindDev})
}

func signed(body []byte, key string, at time.Time) map[string]string {
	return map[string]string{wire.HeaderSignature: sign.Header(key, body, at)}
}

func devClient(t testing.TB) *inngest.Client {
	t.Helper()
	c, err := inngest.NewClient(inngest.ClientConfig{AppID: "app", Dev: "1", Logger: discardLogger()})
	require.NoError(t, err)
	return c
}

func newHandler(c *inngest.Client) *handler.Handler { return handler.New(c, handler.Config{}) }

// golden compares got (JSON) with testdata/name.json, rewriting it with -update.
func golden(t testing.TB, name string, got []byte) {
	t.Helper()
	var v any
	require.NoError(t, json.Unmarshal(got, &v), "not JSON: %s", got)
	pretty, err := json.MarshalIndent(v, "", "  ")
	require.NoError(t, err)
	pretty = append(pretty, '\n')
	path := filepath.Join("testdata", name+".json")
	if *update {
		require.NoError(t, os.MkdirAll("testdata", 0o755))
		require.NoError(t, os.WriteFile(path, pretty, 0o644))
		return
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "missing golden file; run go test ./handler -update")
	require.JSONEq(t, string(want), string(pretty))
}

func newHandlerWith(c *inngest.Client, maxBody int64) *handler.Handler {
	return handler.New(c, handler.Config{MaxBodyBytes: maxBody})
}

// eventServer is a fake event API recording what it receives.
func eventServer(t testing.TB) (func() []wire.Event, *httptest.Server) {
	t.Helper()
	var (
		mu  = make(chan struct{}, 1)
		got []wire.Event
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var evs []wire.Event
		if err := json.NewDecoder(r.Body).Decode(&evs); err != nil {
			http.Error(w, `{"error":"bad"}`, http.StatusBadRequest)
			return
		}
		mu <- struct{}{}
		ids := make([]string, len(evs))
		for i, e := range evs {
			ids[i] = e.ID
			got = append(got, e)
		}
		<-mu
		_ = json.NewEncoder(w).Encode(wire.SendResponse{IDs: ids, Status: 200})
	}))
	t.Cleanup(srv.Close)
	return func() []wire.Event {
		mu <- struct{}{}
		defer func() { <-mu }()
		return append([]wire.Event(nil), got...)
	}, srv
}
