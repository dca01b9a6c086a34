package engine

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/durablefn/inngest/internal/wire"
)

// raceAB races branch 0 (steps "a1", then "a2") against branch 1 (step
// "b"), then runs step "after", and returns the winner's name.
func raceAB(t *testing.T, afterRan *atomic.Int32) func(ctx context.Context) (json.RawMessage, error) {
	return func(ctx context.Context) (json.RawMessage, error) {
		r, _ := FromContext(ctx, "step.Race", "")
		names := []string{"a", "b"}
		won, err := r.Race(ctx, 2, func(ctx context.Context, i int) {
			if i == 0 {
				runStep(ctx, t, "a1", "A1")
				runStep(ctx, t, "a2", "A2")
				return
			}
			runStep(ctx, t, "b", "B")
		})
		require.NoError(t, err)
		if afterRan != nil {
			afterRan.Add(1)
		}
		runStep(ctx, t, "after", "X")
		return json.Marshal(names[won])
	}
}

func opIDs(ops []wire.Op) []string {
	var out []string
	for _, op := range ops {
		out = append(out, op.Name)
	}
	return out
}

func TestRaceDiscoveryReportsEveryBranchInRaceMode(t *testing.T) {
	res := Execute(context.Background(), Input{}, raceAB(t, nil))
	require.False(t, res.Done)
	require.Equal(t, []string{"a1", "b"}, opIDs(res.Ops))
	for _, op := range res.Ops {
		require.True(t, wire.IsRace(op.Opts), "op %s opts %s", op.Name, op.Opts)
	}
}

func TestRaceWinnerIsFirstInStackOrder(t *testing.T) {
	// b completed first: branch 1 wins although branch 0 runs first; a1,
	// memoized later, is left for its loser, and the new step after the
	// race is reported alone, not in race mode.
	steps, stack := memoized("b", "a1")
	var logs bytes.Buffer
	res := Execute(context.Background(), Input{Steps: steps, Stack: stack, Logger: slog.New(slog.NewTextHandler(&logs, nil))}, raceAB(t, nil))
	require.False(t, res.Done)
	require.Equal(t, []string{"after"}, opIDs(res.Ops), "a2, the loser's new step, is withdrawn")
	require.False(t, wire.IsRace(res.Ops[0].Opts))
	require.Empty(t, logs.String())

	steps, stack = memoized("b", "a1", "after")
	res = Execute(context.Background(), Input{Steps: steps, Stack: stack, Logger: slog.New(slog.NewTextHandler(&logs, nil))}, raceAB(t, nil))
	require.True(t, res.Done)
	require.JSONEq(t, `"b"`, string(res.Value))
	// Steps a loser would have consumed are skipped without a warning.
	steps, stack = memoized("b", "after", "a1")
	res = Execute(context.Background(), Input{Steps: steps, Stack: stack, Logger: slog.New(slog.NewTextHandler(&logs, nil))}, raceAB(t, nil))
	require.True(t, res.Done)
	require.JSONEq(t, `"b"`, string(res.Value))
	require.Empty(t, logs.String())
}

func TestRaceWinnerWithSeveralSteps(t *testing.T) {
	// a1 and a2 both completed before b: branch 0 wins.
	steps, stack := memoized("a1", "a2", "b")
	var afterRan atomic.Int32
	res := Execute(context.Background(), Input{Steps: steps, Stack: stack}, raceAB(t, &afterRan))
	require.False(t, res.Done)
	require.Equal(t, []string{"after"}, opIDs(res.Ops))
	require.EqualValues(t, 1, afterRan.Load())

	// Only a1 done: no winner yet, so both branches report, in race mode.
	steps, stack = memoized("a1")
	res = Execute(context.Background(), Input{Steps: steps, Stack: stack}, raceAB(t, &afterRan))
	require.Equal(t, []string{"a2", "b"}, opIDs(res.Ops))
	require.EqualValues(t, 1, afterRan.Load(), "the function waits for a winner")
}

func TestRaceTargetedCallFindsALosersStep(t *testing.T) {
	// b won, but the server still runs a1: the targeted call must find it
	// in the losing branch and report its result, in race mode.
	steps, stack := memoized("b")
	res := Execute(context.Background(), Input{Steps: steps, Stack: stack, TargetHash: wire.HashStepID("a1")}, raceAB(t, nil))
	require.True(t, res.TargetFound)
	require.Len(t, res.Ops, 1)
	require.Equal(t, wire.OpStepRun, res.Ops[0].Op)
	require.JSONEq(t, `"A1"`, string(res.Ops[0].Data))
	require.True(t, wire.IsRace(res.Ops[0].Opts))
}

func TestRaceCancelsUnstartedAndNestedLosers(t *testing.T) {
	// Branch 0 returns at once and wins; branch 1 (a nested parallel) and
	// branch 2 never run.
	var ran atomic.Int32
	res := Execute(context.Background(), Input{}, func(ctx context.Context) (json.RawMessage, error) {
		r, _ := FromContext(ctx, "step.Race", "")
		won, err := r.Race(ctx, 3, func(ctx context.Context, i int) {
			if i == 0 {
				return
			}
			ran.Add(1)
			_ = r.Parallel(ctx, 2, func(ctx context.Context, j int) { runStep(ctx, t, "n", "") })
		})
		require.NoError(t, err)
		return json.Marshal(won)
	})
	require.True(t, res.Done)
	require.JSONEq(t, `0`, string(res.Value))
	require.Zero(t, ran.Load())
	require.Empty(t, res.Ops)
}

func TestRaceLoserRunningNestedGroupIsCancelled(t *testing.T) {
	// Branch 0 is parked in a nested parallel whose first child waits for
	// a memoized step due after b; b's branch wins, and the nested
	// children end without running further.
	steps, stack := memoized("b", "n0")
	var nestedRan atomic.Int32
	res := Execute(context.Background(), Input{Steps: steps, Stack: stack}, func(ctx context.Context) (json.RawMessage, error) {
		r, _ := FromContext(ctx, "step.Race", "")
		won, err := r.Race(ctx, 2, func(ctx context.Context, i int) {
			if i == 1 {
				runStep(ctx, t, "b", "")
				return
			}
			_ = r.Parallel(ctx, 3, func(ctx context.Context, j int) {
				nestedRan.Add(1)
				runStep(ctx, t, []string{"n0", "n1", "n2"}[j], "")
			})
		})
		require.NoError(t, err)
		return json.Marshal(won)
	})
	require.True(t, res.Done)
	require.JSONEq(t, `1`, string(res.Value))
	require.Empty(t, res.Ops, "the nested branches' new steps are withdrawn")
	require.EqualValues(t, 3, nestedRan.Load(), "every nested branch ran to its step before b's turn")
}

func TestRacePanicInBranchIsReraised(t *testing.T) {
	res := Execute(context.Background(), Input{}, func(ctx context.Context) (json.RawMessage, error) {
		r, _ := FromContext(ctx, "step.Race", "")
		_, _ = r.Race(ctx, 2, func(ctx context.Context, i int) {
			if i == 1 {
				panic("boom")
			}
			runStep(ctx, t, "a", "")
		})
		return nil, nil
	})
	require.NotNil(t, res.Panic)
	require.Contains(t, res.Panic.Error(), "boom")
}
