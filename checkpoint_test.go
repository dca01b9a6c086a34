package inngest

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
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
