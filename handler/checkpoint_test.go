package handler_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/handler"
	"github.com/durablefn/inngest/internal/sign"
	"github.com/durablefn/inngest/internal/wire"
	"github.com/durablefn/inngest/step"
)

// checkpointAPI records the requests an app makes to the server's API
// and answers each with status(request).
type checkpointAPI struct {
	mu     sync.Mutex
	reqs   []*http.Request
	bodies [][]byte
	status func(r *http.Request) int
}

func (a *checkpointAPI) RoundTrip(r *http.Request) (*http.Response, error) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, err
	}
	a.mu.Lock()
	a.reqs = append(a.reqs, r)
	a.bodies = append(a.bodies, body)
	a.mu.Unlock()
	status := http.StatusOK
	if a.status != nil {
		status = a.status(r)
	}
	return &http.Response{StatusCode: status, Body: io.NopCloser(bytes.NewReader(nil)), Header: http.Header{}, Request: r}, nil
}

var checkpointClock = time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)

// checkpointFixture serves function "fn" with checkpointing cp, running
// steps "first step" and "second step", from a cloud-mode app whose API
// requests go to api; ran counts the second step's runs.
func checkpointFixture(t *testing.T, cp *inngest.Checkpoint, api *checkpointAPI) (*handler.Handler, *atomic.Int32) {
	t.Helper()
	c, err := inngest.NewClient(inngest.ClientConfig{AppID: "app", Dev: "0", SigningKey: testSigningKey, SigningKeyFallback: testFallbackKey,
		APIOrigin: "http://api.test", HTTPClient: &http.Client{Transport: api}, Logger: discardLogger()})
	require.NoError(t, err)
	var ran atomic.Int32
	_, err = inngest.CreateFunction(c, inngest.FunctionOpts{ID: "fn", Checkpoint: cp}, inngest.OnEvent("test/event"),
		func(ctx context.Context, in inngest.Input[anyData]) (string, error) {
			a, err := step.Run(ctx, "first step", func(ctx context.Context) (string, error) { return "first", nil })
			if err != nil {
				return "", err
			}
			b, err := step.Run(ctx, "second step", func(ctx context.Context) (map[string]int, error) {
				ran.Add(1)
				return map[string]int{"n": 2}, nil
			})
			return fmt.Sprintf("%s %d", a, b["n"]), err
		})
	require.NoError(t, err)
	return handler.New(c, handler.Config{Now: func() time.Time { return checkpointClock }}), &ran
}

// signedCall posts a signed call request for "fn".
func signedCall(t *testing.T, h http.Handler, stepID string, mutate func(*wire.CallRequest)) response {
	t.Helper()
	body := callBody(t, testEvent, nil, func(r *wire.CallRequest) {
		r.Ctx.QueueItemRef = "shard:job-1"
		if mutate != nil {
			mutate(r)
		}
	})
	hdr := signed(body, testSigningKey, checkpointClock)
	return do(t, h, http.MethodPost, "/api/inngest?fnId=app-fn&stepId="+stepID, body, hdr)
}

func TestCheckpointRequestOnTheWire(t *testing.T) {
	api := &checkpointAPI{}
	h, _ := checkpointFixture(t, &inngest.Checkpoint{}, api)

	res := signedCall(t, h, "step", nil)

	require.Equal(t, http.StatusOK, res.Code, "%s", res.Body)
	require.JSONEq(t, `"first 2"`, string(res.Body), "both steps and the result in one request")
	require.Len(t, api.reqs, 2, "one checkpoint a step")
	bearer, err := sign.HashedKey(testSigningKey)
	require.NoError(t, err)
	for _, r := range api.reqs {
		require.Equal(t, http.MethodPost, r.Method)
		require.Equal(t, "http://api.test/v1/checkpoint/01JRUN/async", r.URL.String())
		require.Equal(t, "Bearer "+bearer, r.Header.Get("Authorization"))
		require.Equal(t, "application/json", r.Header.Get("Content-Type"))
		require.Equal(t, wire.SDKHeader, r.Header.Get("X-Inngest-Sdk"))
	}
	golden(t, "checkpoint_request", api.bodies[0])
	golden(t, "checkpoint_request_second", api.bodies[1])
}

func TestCheckpointTriesTheFallbackKey(t *testing.T) {
	primary, err := sign.HashedKey(testSigningKey)
	require.NoError(t, err)
	api := &checkpointAPI{status: func(r *http.Request) int {
		if r.Header.Get("Authorization") == "Bearer "+primary {
			return http.StatusUnauthorized
		}
		return http.StatusOK
	}}
	h, _ := checkpointFixture(t, &inngest.Checkpoint{}, api)

	res := signedCall(t, h, "step", nil)

	require.Equal(t, http.StatusOK, res.Code, "%s", res.Body)
	fallback, err := sign.HashedKey(testFallbackKey)
	require.NoError(t, err)
	require.Len(t, api.reqs, 4)
	require.Equal(t, "Bearer "+fallback, api.reqs[1].Header.Get("Authorization"))
}

// A refused checkpoint ends the request as without checkpointing: the step
// is reported in a 206, and the function stops there.
func TestCheckpointFailureAnswersTheStep(t *testing.T) {
	api := &checkpointAPI{status: func(*http.Request) int { return http.StatusConflict }}
	h, ran := checkpointFixture(t, &inngest.Checkpoint{}, api)

	res := signedCall(t, h, "step", nil)

	golden(t, "checkpoint_failed", res.Body)
	ops := res.ops(t)
	require.Len(t, ops, 1)
	require.Equal(t, wire.OpStepRun, ops[0].Op)
	require.Equal(t, "first step", ops[0].Name)
	require.Len(t, api.reqs, 1)
	require.Zero(t, ran.Load())
}

// As both official SDKs, only a discovery call that may run steps at once
// checkpoints.
func TestCheckpointOnlyInImmediateDiscoveryCalls(t *testing.T) {
	for name, tc := range map[string]struct {
		stepID string
		mutate func(*wire.CallRequest)
		op     wire.Opcode
	}{
		"Targeted":           {wire.HashStepID("first step"), nil, wire.OpStepRun},
		"ImmediateDisabled":  {"step", func(r *wire.CallRequest) { r.Ctx.DisableImmediateExecution = true }, wire.OpStepPlanned},
		"NoFunctionUUIDSent": {"step", func(r *wire.CallRequest) { r.Ctx.FnID = "" }, wire.OpStepRun},
	} {
		t.Run(name, func(t *testing.T) {
			api := &checkpointAPI{}
			h, _ := checkpointFixture(t, &inngest.Checkpoint{}, api)
			res := signedCall(t, h, tc.stepID, tc.mutate)
			ops := res.ops(t)
			require.Len(t, ops, 1)
			require.Equal(t, tc.op, ops[0].Op)
			require.Empty(t, api.reqs)
		})
	}
}

// The client's checkpoint default is sent at sync as a function's own:
// "inherits" sets none and gets the default, "own" keeps its own, "off"
// opts out and sends none.
func TestSyncSendsTheClientCheckpointDefault(t *testing.T) {
	reg := &registry{}
	srv := httptest.NewServer(reg)
	t.Cleanup(srv.Close)
	c, err := inngest.NewClient(inngest.ClientConfig{AppID: "app", Dev: srv.URL, APIOrigin: srv.URL, Logger: discardLogger(),
		Checkpoint: &inngest.Checkpoint{BatchSteps: 10, BatchInterval: 2 * time.Second}})
	require.NoError(t, err)
	noop := func(ctx context.Context, in inngest.Input[anyData]) (int, error) { return 0, nil }
	for _, o := range []inngest.FunctionOpts{
		{ID: "inherits"},
		{ID: "own", Checkpoint: &inngest.Checkpoint{MaxRuntime: time.Minute}},
		{ID: "off", Checkpoint: &inngest.Checkpoint{Disabled: true}},
	} {
		_, err := inngest.CreateFunction(c, o, inngest.OnEvent("test/event"), noop)
		require.NoError(t, err)
	}
	h := handler.New(c, handler.Config{Now: time.Now})
	res := do(t, h, http.MethodPut, "http://app.local:3000/api/inngest", nil, map[string]string{wire.HeaderServerKind: "dev"})
	require.Equal(t, http.StatusOK, res.Code, "%s", res.Body)
	require.Equal(t, 1, reg.count())
	golden(t, "sync_checkpoint_default", reg.bodies[0])

	var payload wire.RegisterRequest
	require.NoError(t, json.Unmarshal(reg.bodies[0], &payload))
	got := map[string]*wire.CheckpointConfig{}
	for _, f := range payload.Functions {
		got[f.ID] = f.Checkpoint
	}
	require.Equal(t, map[string]*wire.CheckpointConfig{
		"app-inherits": {BatchSteps: 10, BatchInterval: "2s"},
		"app-own":      {MaxRuntime: "1m0s"},
		"app-off":      nil,
	}, got)
}

// A function that inherits the client's default checkpoints on the wire:
// its two steps run in one discovery call, posted to the checkpoint API;
// one that opts out plans its first step.
func TestClientCheckpointDefaultOnTheWire(t *testing.T) {
	api := &checkpointAPI{}
	c, err := inngest.NewClient(inngest.ClientConfig{AppID: "app", SigningKey: testSigningKey, Dev: "0", Logger: discardLogger(),
		APIOrigin: "http://api.test", HTTPClient: &http.Client{Transport: api}, Checkpoint: &inngest.Checkpoint{}})
	require.NoError(t, err)
	one := func(n int) func(ctx context.Context) (int, error) {
		return func(ctx context.Context) (int, error) { return n, nil }
	}
	two := func(ctx context.Context, in inngest.Input[anyData]) (int, error) {
		a, err := step.Run(ctx, "a", one(1))
		if err != nil {
			return 0, err
		}
		b, err := step.Run(ctx, "b", one(2))
		return a + b, err
	}
	for _, o := range []inngest.FunctionOpts{{ID: "inherits"}, {ID: "off", Checkpoint: &inngest.Checkpoint{Disabled: true}}} {
		_, err := inngest.CreateFunction(c, o, inngest.OnEvent("test/event"), two)
		require.NoError(t, err)
	}
	h := handler.New(c, handler.Config{Now: func() time.Time { return checkpointClock }})
	call := func(fnID string) response {
		body := callBody(t, testEvent, nil, nil)
		return do(t, h, http.MethodPost, "/api/inngest?fnId=app-"+fnID+"&stepId=step", body, signed(body, testSigningKey, checkpointClock))
	}

	res := call("inherits")
	require.Equal(t, http.StatusOK, res.Code, "%s", res.Body)
	require.JSONEq(t, "3", string(res.Body))
	require.Len(t, api.bodies, 2, "each step posted as it finished")

	res = call("off")
	ops := res.ops(t)
	require.Len(t, ops, 1)
	require.Equal(t, wire.OpStepRun, ops[0].Op, "run at once and reported, not checkpointed")
	require.Len(t, api.bodies, 2)
}
