package inngest

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/durablefn/inngest/internal/engine"
)

func TestCheckpointConfig(t *testing.T) {
	c, err := NewClient(ClientConfig{AppID: "app", Dev: "1"})
	require.NoError(t, err)
	noop := func(ctx context.Context, in Input[map[string]any]) (int, error) { return 0, nil }

	for _, bad := range []Checkpoint{{BatchSteps: -1}, {BatchInterval: -time.Second}, {MaxRuntime: -time.Second}} {
		_, err := CreateFunction(c, FunctionOpts{ID: "bad", Checkpoint: &bad}, OnEvent("e"), noop)
		require.ErrorContains(t, err, "must not be negative")
	}

	f, err := CreateFunction(c, FunctionOpts{ID: "cp", Checkpoint: &Checkpoint{BatchSteps: 3, BatchInterval: 3 * time.Second, MaxRuntime: time.Minute}}, OnEvent("e"), noop)
	require.NoError(t, err)
	raw, err := json.Marshal(f.spec.Config.Checkpoint)
	require.NoError(t, err)
	require.JSONEq(t, `{"batch_steps":3,"batch_interval":"3s","max_runtime":"1m0s"}`, string(raw), "as the server reads it from the sync payload")
	require.Equal(t, 3*time.Second, f.spec.Checkpoint.BatchInterval)

	off, err := CreateFunction(c, FunctionOpts{ID: "off"}, OnEvent("e"), noop)
	require.NoError(t, err)
	require.Nil(t, off.spec.Checkpoint)
	require.Nil(t, off.spec.Config.Checkpoint)
}

// ClientConfig.Checkpoint is the default of functions that set none,
// checked by NewClient as a function's own is by CreateFunction; a
// function opts out with Disabled.
func TestCheckpointClientDefault(t *testing.T) {
	noop := func(ctx context.Context, in Input[map[string]any]) (int, error) { return 0, nil }
	for _, bad := range []Checkpoint{{BatchSteps: -1}, {MaxRuntime: -time.Second}, {Disabled: true, BatchSteps: 2}} {
		_, err := NewClient(ClientConfig{AppID: "app", Dev: "1", Checkpoint: &bad})
		require.ErrorContains(t, err, "inngest: ClientConfig.Checkpoint.")
	}
	c, err := NewClient(ClientConfig{AppID: "app", Dev: "1", Checkpoint: &Checkpoint{BatchSteps: 4}})
	require.NoError(t, err)

	inherits, err := CreateFunction(c, FunctionOpts{ID: "inherits"}, OnEvent("e"), noop)
	require.NoError(t, err)
	require.Equal(t, 4, inherits.spec.Checkpoint.BatchSteps)
	require.Equal(t, 4, inherits.spec.Config.Checkpoint.BatchSteps)

	own, err := CreateFunction(c, FunctionOpts{ID: "own", Checkpoint: &Checkpoint{MaxRuntime: time.Minute}}, OnEvent("e"), noop)
	require.NoError(t, err)
	require.Equal(t, &engine.CheckpointPolicy{MaxRuntime: time.Minute}, own.spec.Checkpoint, "a function's own replaces the default, field by field")

	off, err := CreateFunction(c, FunctionOpts{ID: "off", Checkpoint: &Checkpoint{Disabled: true}}, OnEvent("e"), noop)
	require.NoError(t, err)
	require.Nil(t, off.spec.Checkpoint)
	require.Nil(t, off.spec.Config.Checkpoint)

	_, err = CreateFunction(c, FunctionOpts{ID: "both", Checkpoint: &Checkpoint{Disabled: true, MaxRuntime: time.Minute}}, OnEvent("e"), noop)
	require.EqualError(t, err, `inngest: function "both": Checkpoint.Disabled turns checkpointing off: leave BatchSteps, BatchInterval and MaxRuntime zero`)

	// Disabled on the client means no default.
	c, err = NewClient(ClientConfig{AppID: "app", Dev: "1", Checkpoint: &Checkpoint{Disabled: true}})
	require.NoError(t, err)
	none, err := CreateFunction(c, FunctionOpts{ID: "none"}, OnEvent("e"), noop)
	require.NoError(t, err)
	require.Nil(t, none.spec.Checkpoint)
}
