package main

import (
	"testing"

	"github.com/stretchr/testify/require"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/examples/internal/demo"
)

// The fixture's functions, run end to end on the embedded orchestrator
// with time skipping, served over HTTP.
func TestFixtureFunctions(t *testing.T) {
	env, closeFn, err := demo.Embed(t.Context(), AppID, register)
	require.NoError(t, err)
	t.Cleanup(closeFn)
	scenarios(t, env)
}

// The same scenarios with the functions served by a Connect worker.
func TestFixtureFunctionsOverConnect(t *testing.T) {
	env, closeFn, err := demo.EmbedConnect(t.Context(), AppID, register)
	require.NoError(t, err)
	t.Cleanup(closeFn)
	scenarios(t, env)
}

// scenarios runs the fixture's scenarios against env.
func scenarios(t *testing.T, env *demo.Env) {
	ctx := t.Context()

	send := func(name string, data map[string]any) string {
		t.Helper()
		ids, err := env.Send(ctx, inngest.GenericEvent{Name: name, Data: data})
		require.NoError(t, err)
		return ids[0]
	}
	check := func(eventID, status, output string) demo.Run {
		t.Helper()
		r, err := env.WaitForEventRun(ctx, eventID)
		require.NoError(t, err)
		require.Equal(t, status, r.Status, r.Timeline)
		if output != "" {
			require.JSONEq(t, output, string(r.Output))
		}
		return r
	}

	t.Run("Simple", func(t *testing.T) {
		check(send("tests/function.test", nil), "Completed", `{"name":"tests/function.test","body":"ok"}`)
	})
	t.Run("StepsAndSleep", func(t *testing.T) {
		r := check(send("tests/step.test", nil), "Completed", `{"name":"tests/step.test","body":"ok"}`)
		if env.Embedded() { // a real server's runs API has no timeline
			require.Contains(t, r.Timeline, "sleep.done")
		}
	})
	t.Run("Retry", func(t *testing.T) {
		r := check(send("tests/retry.test", nil), "Completed", `{"name":"tests/retry.test","body":"ok"}`)
		if env.Embedded() {
			require.Contains(t, r.Timeline, "broken")
		}
	})
	t.Run("WaitTimesOut", func(t *testing.T) {
		check(send("tests/wait.test", map[string]any{"id": "w-1"}), "Completed", `{}`)
	})
	t.Run("WaitMatches", func(t *testing.T) {
		var id string
		require.NoError(t, env.FreezeTime(func() error {
			id = send("tests/wait.test", map[string]any{"id": "w-2"})
			if err := env.WaitPaused(ctx, id, 1); err != nil {
				return err
			}
			send("test/resume", map[string]any{"resume": true, "id": "w-2"})
			return nil
		}))
		check(id, "Completed", `{"result":{"resume":true,"id":"w-2"}}`)
	})
	t.Run("Cancel", func(t *testing.T) {
		var id string
		require.NoError(t, env.FreezeTime(func() error {
			id = send("tests/cancel.test", map[string]any{"request_id": "c-1"})
			if err := env.WaitPaused(ctx, id, 1); err != nil {
				return err
			}
			send("cancel/please", map[string]any{"request_id": "c-1"})
			return nil
		}))
		check(id, "Cancelled", "")
	})
}
