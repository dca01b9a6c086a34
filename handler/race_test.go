package handler_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/internal/wire"
	"github.com/durablefn/inngest/step"
)

// raceClient serves a function that races a Run step and a Sleep, then
// runs "ship" and returns which branch won.
func raceClient(t *testing.T) *inngest.Client {
	c := devClient(t)
	_, err := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "fn"}, inngest.OnEvent("test/event"),
		func(ctx context.Context, in inngest.Input[anyData]) (string, error) {
			var g step.Group
			charge := step.Go(&g, func(ctx context.Context) (string, error) {
				return step.Run(ctx, "charge", func(ctx context.Context) (string, error) { return "charged", nil })
			})
			step.Go(&g, func(ctx context.Context) (struct{}, error) {
				return struct{}{}, step.Sleep(ctx, "give-up", time.Hour)
			})
			won, err := g.Race(ctx)
			if err != nil {
				return "", err
			}
			if _, err := step.Run(ctx, "ship", func(ctx context.Context) (int, error) { return 1, nil }); err != nil {
				return "", err
			}
			if won == charge {
				return charge.Value(), nil
			}
			return "gave up", nil
		})
	require.NoError(t, err)
	return c
}

func TestRaceDiscoveryOpsCarryRaceMode(t *testing.T) {
	h := newHandler(raceClient(t))
	res := post(t, h, "fn", "step", callBody(t, testEvent, nil, nil))
	ops := res.ops(t)
	require.Len(t, ops, 2)
	golden(t, "race_planned", res.Body)
}

func TestRaceTargetedStepRunCarriesRaceMode(t *testing.T) {
	h := newHandler(raceClient(t))
	res := post(t, h, "fn", wire.HashStepID("charge"), callBody(t, testEvent, nil, nil))
	require.Len(t, res.ops(t), 1)
	golden(t, "race_step_run", res.Body)
}

func TestRaceWinnerGoesOnAlone(t *testing.T) {
	// The sleep ended first: its branch won, the charge step still
	// running is not reported again, and the step after the race is
	// not in race mode.
	h := newHandler(raceClient(t))
	res := post(t, h, "fn", "step", callBody(t, testEvent, []memo{{id: "give-up", raw: "null"}}, nil))
	ops := res.ops(t)
	require.Len(t, ops, 1)
	require.Equal(t, "ship", ops[0].Name)
	golden(t, "race_winner_goes_on", res.Body)

	res = post(t, h, "fn", "step", callBody(t, testEvent, []memo{{id: "give-up", raw: "null"}, data("ship", "1"), data("charge", `"charged"`)}, nil))
	require.Equal(t, 200, res.Code, "%s", res.Body)
	require.JSONEq(t, `"gave up"`, string(res.Body))
}

// doneClient serves a function that races two Run steps in a Group, then
// reports in step "after" which handles say they are done.
func doneClient(t *testing.T) *inngest.Client {
	c := devClient(t)
	branch := func(id string) func(ctx context.Context) (string, error) {
		return func(ctx context.Context) (string, error) {
			return step.Run(ctx, id, func(ctx context.Context) (string, error) { return strings.ToUpper(id), nil })
		}
	}
	fn := func(ctx context.Context, in inngest.Input[anyData]) (string, error) {
		var g step.Group
		a, b := step.Go(&g, branch("a")), step.Go(&g, branch("b"))
		if _, err := g.Race(ctx); err != nil {
			return "", err
		}
		state := fmt.Sprintf("a=%t/%q b=%t/%q", a.Done(), a.Value(), b.Done(), b.Value())
		return step.Run(ctx, "after", func(ctx context.Context) (string, error) { return state, nil })
	}
	_, err := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "fn"}, inngest.OnEvent("test/event"), fn)
	require.NoError(t, err)
	return c
}

// After a race only the winner is done, whatever kind of request the
// function runs in: a loser whose steps all completed on the server (the
// server runs every planned step, race or not) must not report Done in a
// targeted call either, where losers are cancelled only once the target
// was found.
func TestRaceOnlyTheWinnerIsDone(t *testing.T) {
	h := newHandler(doneClient(t))
	memos := []memo{data("a", `"A"`), data("b", `"B"`)}
	const want = `"a=true/\"A\" b=false/\"\""`

	// Discovery call, the step after the race run at once.
	res := post(t, h, "fn", "step", callBody(t, testEvent, memos, nil))
	ops := res.ops(t)
	require.Len(t, ops, 1)
	require.Equal(t, wire.OpStepRun, ops[0].Op)
	require.JSONEq(t, want, string(ops[0].Data))

	// Discovery call without immediate execution: "after" is planned.
	res = post(t, h, "fn", "step", callBody(t, testEvent, memos, func(r *wire.CallRequest) { r.Ctx.DisableImmediateExecution = true }))
	ops = res.ops(t)
	require.Len(t, ops, 1)
	require.Equal(t, wire.OpStepPlanned, ops[0].Op)

	// Targeted call for "after": the loser's step is memoized too.
	res = post(t, h, "fn", wire.HashStepID("after"), callBody(t, testEvent, memos, nil))
	ops = res.ops(t)
	require.Len(t, ops, 1, "%s", res.Body)
	require.Equal(t, wire.OpStepRun, ops[0].Op)
	require.JSONEq(t, want, string(ops[0].Data))
}
