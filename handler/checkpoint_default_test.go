package handler_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/handler"
	"github.com/durablefn/inngest/internal/wire"
	"github.com/durablefn/inngest/step"
)

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
