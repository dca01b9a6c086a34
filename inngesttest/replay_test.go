package inngesttest_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/inngesttest"
	"github.com/durablefn/inngest/step"
)

// pipelineSpec is one version of a function's code: its steps in order
// and how long it sleeps before the last one.
type pipelineSpec struct {
	steps []string
	nap   time.Duration
	tail  string
}

var pipelineV1 = pipelineSpec{steps: []string{"validate", "charge", "ship"}, nap: 24 * time.Hour, tail: "done"}

// pipeline creates version spec of the shop's checkout on a new client.
func pipeline(t *testing.T, spec pipelineSpec) (*inngest.Client, *inngest.Function[Order, string]) {
	c := inngesttest.NewClient(t, inngest.ClientConfig{AppID: "shop"})
	fn := create(t, c, inngest.FunctionOpts{ID: "checkout"}, OrderPlaced.Trigger(),
		func(ctx context.Context, in inngest.Input[Order]) (string, error) {
			out := in.Event.Data.ID
			for i, id := range spec.steps {
				if i == len(spec.steps)-1 {
					if err := step.Sleep(ctx, "nap", spec.nap); err != nil {
						return "", err
					}
				}
				s, err := step.Run(ctx, id, func(ctx context.Context) (string, error) { return id + "d", nil })
				if err != nil {
					return "", err
				}
				out += " " + s
			}
			return out + " " + spec.tail, nil
		})
	return c, fn
}

// recorded records version 1 of the checkout to a temporary file.
func recorded(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "checkout.history.json")
	c, fn := pipeline(t, pipelineV1)
	res := inngesttest.Record(t, c, fn, path, inngesttest.Event(OrderPlaced.New(Order{ID: "o-1"})))
	require.Equal(t, "o-1 validated charged shipd done", res.Output)
	return path
}

func TestReplayUnchangedCodePasses(t *testing.T) {
	t.Parallel()
	path := recorded(t)
	c, fn := pipeline(t, pipelineV1)
	require.Empty(t, failures(t, func(tb testing.TB) { inngesttest.Replay(tb, c, fn, path) }))
}

func TestReplayReportsWhatChanged(t *testing.T) {
	t.Parallel()
	path := recorded(t)
	for _, tc := range []struct {
		name string
		spec pipelineSpec
		want []string
	}{
		{"RenamedStep", pipelineSpec{steps: []string{"validate", "reserve", "ship"}, nap: 24 * time.Hour, tail: "done"},
			[]string{`step 2: recorded "charge" (run), now "reserve" (run)`, `>  2     "charge" (run)    "reserve" (run)`}},
		{"ReorderedSteps", pipelineSpec{steps: []string{"charge", "validate", "ship"}, nap: 24 * time.Hour, tail: "done"},
			[]string{`step 1: recorded "validate" (run), now "charge" (run)`}},
		{"RemovedStep", pipelineSpec{steps: []string{"validate", "ship"}, nap: 24 * time.Hour, tail: "done"},
			[]string{`step 2: recorded "charge" (run), now "nap" (sleep)`}},
		{"AddedStep", pipelineSpec{steps: []string{"validate", "charge", "pack", "ship"}, nap: 24 * time.Hour, tail: "done"},
			[]string{`step 3: recorded "nap" (sleep), now "pack" (run)`}},
		{"ChangedSleep", pipelineSpec{steps: pipelineV1.steps, nap: 48 * time.Hour, tail: "done"},
			[]string{`step 3: "nap" (sleep) changed its options: recorded {"duration":"24h"}, now {"duration":"48h"}`}},
		{"ChangedOutput", pipelineSpec{steps: pipelineV1.steps, nap: 24 * time.Hour, tail: "finished"},
			[]string{`output: recorded "o-1 validated charged shipd done", now "o-1 validated charged shipd finished"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, fn := pipeline(t, tc.spec)
			got := failures(t, func(tb testing.TB) { inngesttest.Replay(tb, c, fn, path) })
			require.Contains(t, got, "shop-checkout no longer replays its history "+path)
			for _, want := range tc.want {
				require.Contains(t, got, want)
			}
			require.Contains(t, got, "-inngesttest.update")
		})
	}
}

func TestReplayRemovedLastStep(t *testing.T) {
	t.Parallel()
	path := recorded(t)
	c := inngesttest.NewClient(t, inngest.ClientConfig{AppID: "shop"})
	fn := create(t, c, inngest.FunctionOpts{ID: "checkout"}, OrderPlaced.Trigger(),
		func(ctx context.Context, in inngest.Input[Order]) (string, error) {
			for _, id := range []string{"validate", "charge"} {
				if _, err := step.Run(ctx, id, func(ctx context.Context) (string, error) { return "", nil }); err != nil {
					return "", err
				}
			}
			return "early", nil
		})
	got := failures(t, func(tb testing.TB) { inngesttest.Replay(tb, c, fn, path) })
	require.Contains(t, got, `step 3: recorded "nap" (sleep), now the run returned "early"`)
}

func TestReplayNeverRunsStepCode(t *testing.T) {
	t.Parallel()
	path := recorded(t)
	c := inngesttest.NewClient(t, inngest.ClientConfig{AppID: "shop"})
	ran := 0
	fn := create(t, c, inngest.FunctionOpts{ID: "checkout"}, OrderPlaced.Trigger(),
		func(ctx context.Context, in inngest.Input[Order]) (string, error) {
			out := in.Event.Data.ID
			for i, id := range pipelineV1.steps {
				if i == 2 {
					if err := step.Sleep(ctx, "nap", 24*time.Hour); err != nil {
						return "", err
					}
				}
				s, err := step.Run(ctx, id, func(ctx context.Context) (string, error) {
					ran++
					return "changed", nil
				})
				if err != nil {
					return "", err
				}
				out += " " + s
			}
			return out + " done", nil
		})
	inngesttest.Replay(t, c, fn, path)
	require.Zero(t, ran, "results come from the history")
}

func TestRecordLeavesAnExistingHistory(t *testing.T) {
	t.Parallel()
	path := recorded(t)
	before, err := os.ReadFile(path)
	require.NoError(t, err)
	c, fn := pipeline(t, pipelineSpec{steps: []string{"other"}, tail: "x"})
	inngesttest.Record(t, c, fn, path)
	after, err := os.ReadFile(path)
	require.NoError(t, err)
	require.Equal(t, string(before), string(after))
}

func TestReplayMisuse(t *testing.T) {
	t.Parallel()
	c, fn := pipeline(t, pipelineV1)
	got := failures(t, func(tb testing.TB) { inngesttest.Replay(tb, c, fn, filepath.Join(t.TempDir(), "none.json")) })
	require.Contains(t, got, "record one with inngesttest.Record")

	path := recorded(t)
	other := inngesttest.NewClient(t, inngest.ClientConfig{AppID: "other"})
	fn2 := create(t, other, inngest.FunctionOpts{ID: "checkout"}, OrderPlaced.Trigger(),
		func(ctx context.Context, in inngest.Input[Order]) (string, error) { return "", nil })
	got = failures(t, func(tb testing.TB) { inngesttest.Replay(tb, other, fn2, path) })
	require.Contains(t, got, "holds a run of shop-checkout, not of other-checkout")
}

func TestRecordRefusesANondeterministicStepID(t *testing.T) {
	t.Parallel()
	c := inngesttest.NewClient(t, inngest.ClientConfig{AppID: "shop"})
	calls := 0
	fn := create(t, c, inngest.FunctionOpts{ID: "random"}, OrderPlaced.Trigger(),
		func(ctx context.Context, in inngest.Input[Order]) (string, error) {
			calls++
			id := "step-" + string(rune('a'+calls%26))
			return step.Run(ctx, id, func(ctx context.Context) (string, error) { return "x", nil })
		})
	path := filepath.Join(t.TempDir(), "random.history.json")
	got := failures(t, func(tb testing.TB) { inngesttest.Record(tb, c, fn, path) })
	require.Contains(t, got, "does not replay its own run")
	_, err := os.Stat(path)
	require.ErrorIs(t, err, os.ErrNotExist)
}

// The history under testdata/ pins a run with every kind of step: a run
// step that fails for good, a sleep, a wait, a send, an invoke and
// parallel steps. Rewrite it with -inngesttest.update.
func TestReplayCommittedHistory(t *testing.T) {
	t.Parallel()
	const path = "testdata/order.history.json"
	c := inngesttest.NewClient(t, inngest.ClientConfig{AppID: "shop"})
	price := create(t, c, inngest.FunctionOpts{ID: "price"}, inngest.EventType[Order]("shop/price").Trigger(),
		func(ctx context.Context, in inngest.Input[Order]) (int, error) { return 42, nil })
	fn := create(t, c, inngest.FunctionOpts{ID: "order", Retries: inngest.Ptr(0)}, OrderPlaced.Trigger(),
		func(ctx context.Context, in inngest.Input[Order]) (map[string]any, error) {
			out := map[string]any{}
			if _, err := step.Run(ctx, "coupon", func(ctx context.Context) (string, error) {
				return "", errors.New("coupon expired")
			}); err != nil {
				out["coupon"] = err.Error()
			}
			p, err := step.Invoke(ctx, "price", price, Order{ID: in.Event.Data.ID}, nil)
			if err != nil {
				return nil, err
			}
			out["price"] = p
			parts, err := step.Parallel(ctx,
				func(ctx context.Context) (string, error) {
					return step.Run(ctx, "pick", func(ctx context.Context) (string, error) { return "picked", nil })
				},
				func(ctx context.Context) (string, error) {
					return step.Run(ctx, "label", func(ctx context.Context) (string, error) { return "labelled", nil })
				})
			if err != nil {
				return nil, err
			}
			out["parts"] = parts
			if err := step.Sleep(ctx, "cool-off", time.Hour); err != nil {
				return nil, err
			}
			ok, err := step.WaitForEvent(ctx, "wait-payment", InvoiceApproved, step.WaitOpts{Timeout: 24 * time.Hour, If: "async.data.invoiceId == event.data.id"})
			if err != nil {
				return nil, err
			}
			out["approved_by"] = ok.Data.By
			ids, err := step.SendEvent(ctx, "notify", UserSignedUp.New(Signup{Email: "ops@example.com"}))
			out["sent"] = len(ids)
			return out, err
		})
	ev := OrderPlaced.New(Order{ID: "o-7"})
	ev.ID, ev.Timestamp = "01JORDER7", time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC).UnixMilli()
	approval := InvoiceApproved.New(Approval{InvoiceID: "o-7", By: "ana"})
	approval.ID = "01JAPPROVAL7"

	res := inngesttest.Record(t, c, fn, path,
		inngesttest.Event(ev), inngesttest.RunID("01JRUN7"),
		inngesttest.StartAt(time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)),
		inngesttest.MockWaitForEvent("wait-payment", approval),
	)
	require.NoError(t, res.Err)
	require.Equal(t, []string{"coupon", "price", "pick", "label", "cool-off", "wait-payment", "notify"}, res.StepIDs())

	inngesttest.Replay(t, c, fn, path)
}
