package wire

import (
	"encoding/json"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestAppendOpsIsJSONMarshal(t *testing.T) {
	ifExpr := `{"event":"a/b","timeout":"1h","if":"event.data.id == async.data.id"}`
	cases := [][]Op{
		nil,
		{},
		{{ID: HashStepID("a"), Op: OpStepPlanned, Name: "a", DisplayName: "a", Userland: &Userland{ID: "a"}}},
		{{ID: "x", Op: OpStepPlanned, Name: "a", Opts: json.RawMessage(`{"type":"step.sendEvent"}`), Userland: &Userland{ID: "a", Index: 3}}},
		{{ID: "x", Op: OpWaitForEvent, Name: "w", Opts: json.RawMessage(ifExpr)}},
		{{ID: "x", Op: OpSleep, Opts: WithRaceMode(json.RawMessage(`{"duration":"1s"}`))}},
		{{ID: "x", Op: OpStepRun, Data: json.RawMessage(`{"a": 1}`)}},
		{{ID: "x", Op: OpStepError, Error: &UserError{Name: "E", Message: "<b>"}}},
		{{ID: "x", Op: OpStepPlanned, Name: "<a&b>", DisplayName: "é", Userland: &Userland{ID: "\"q\"\\"}}},
		{{ID: "x", Op: OpWaitForEvent, Opts: json.RawMessage(`{"if":"a < b"}`)}},
		{{ID: "x", Op: OpWaitForEvent, Opts: json.RawMessage(`{ "if" : "a" }`)}},
		{{ID: "x", Op: OpWaitForEvent, Opts: json.RawMessage(`{"if":"\u2028 \"x\""}`)}},
	}
	for i, ops := range cases {
		want, err := json.Marshal(ops)
		require.NoError(t, err)
		if ops == nil {
			want = []byte("[]") // the handler never encodes nil ops
		}
		got, err := AppendOps(nil, ops)
		require.NoError(t, err)
		require.Equal(t, string(want), string(got), "case %d", i)
	}
}

func TestAppendOpsRandomText(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	alphabet := []rune("ab -_:.<>&\"\\\u00e9\u2028\x01\x7f")
	text := func() string {
		rs := make([]rune, rng.IntN(6))
		for i := range rs {
			rs[i] = alphabet[rng.IntN(len(alphabet))]
		}
		return string(rs)
	}
	for range 2000 {
		ops := make([]Op, 1+rng.IntN(3))
		for i := range ops {
			ops[i] = Op{ID: text(), Op: OpStepPlanned, Name: text(), DisplayName: text()}
			if rng.IntN(2) == 0 {
				ops[i].Userland = &Userland{ID: text(), Index: rng.IntN(3)}
			}
			if rng.IntN(2) == 0 {
				o, _ := json.Marshal(map[string]string{"if": text()})
				ops[i].Opts = o
			}
		}
		want, err := json.Marshal(ops)
		require.NoError(t, err)
		got, err := AppendOps(nil, ops)
		require.NoError(t, err)
		require.Equal(t, string(want), string(got))
	}
}

func TestAppendOpsBadData(t *testing.T) {
	_, err := AppendOps(nil, []Op{{ID: "x", Op: OpStepRun, Data: json.RawMessage(`{`)}})
	require.Error(t, err)
}

func TestRaceMode(t *testing.T) {
	require.JSONEq(t, `{"parallelMode":"race"}`, string(WithRaceMode(nil)))
	require.JSONEq(t, `{"parallelMode":"race"}`, string(WithRaceMode(json.RawMessage(`{}`))))
	require.JSONEq(t, `{"type":"step.sendEvent","parallelMode":"race"}`, string(WithRaceMode(json.RawMessage(`{"type":"step.sendEvent"}`))))
	require.True(t, IsRace(json.RawMessage(`{"parallelMode":"Race"}`)), "inngestgo's spelling")
	require.True(t, IsRace(WithRaceMode(nil)))
	require.False(t, IsRace(json.RawMessage(`{"parallelmode":"race"}`)), "the key is read as spelled")
	require.False(t, IsRace(json.RawMessage(`{"parallelMode":"wait"}`)))
	require.False(t, IsRace(json.RawMessage(`{"parallelMode":2}`)))
	require.False(t, IsRace(nil))
}
