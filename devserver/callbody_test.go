package devserver

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/durablefn/inngest/internal/wire"
)

// TestCallBodyMatchesEncodingJSON pins the hand-built call request body to
// what encoding/json writes for wire.CallRequest.
func TestCallBodyMatchesEncodingJSON(t *testing.T) {
	ev := json.RawMessage(`{"name":"a/b","data":{"html":"\u003cb\u003e \u0026"},"id":"e1","ts":1}`)
	for _, tc := range []struct {
		name  string
		state callState
	}{
		{"Empty", callState{events: []json.RawMessage{ev}, fnID: "app-fn", runID: "r1", stepID: "step"}},
		{"Steps", callState{
			events: []json.RawMessage{ev, ev}, fnID: "app-<fn>", runID: "r\"1", stepID: "abc",
			stack:   []string{"zz", "aa", "mm"},
			vals:    []json.RawMessage{canonicalJSON(json.RawMessage(`{"data": [1, "<&>"]}`)), json.RawMessage(`null`), json.RawMessage(`{"error":{"name":"E","message":"m"}}`)},
			attempt: 2, maxAttempts: 4, disableImmediate: true, version: 2,
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, useAPI := range []bool{false, true} {
				c := tc.state
				steps := map[string]json.RawMessage{}
				events := c.events
				if !useAPI {
					for i, id := range c.stack {
						steps[id] = c.vals[i]
					}
				} else {
					events = nil
				}
				want, err := json.Marshal(wire.CallRequest{
					Event: c.events[0], Events: events, Steps: steps, Version: c.version, UseAPI: useAPI,
					Ctx: wire.CallCtx{FnID: c.fnID, RunID: c.runID, StepID: c.stepID, Attempt: c.attempt, MaxAttempts: c.maxAttempts,
						Stack: wire.Stack{Stack: c.stack, Current: len(c.stack)}, DisableImmediateExecution: c.disableImmediate, UseAPI: useAPI},
				})
				require.NoError(t, err)
				require.Equal(t, string(want), string(appendCallBody(nil, &c, useAPI)))
			}
		})
	}
}
