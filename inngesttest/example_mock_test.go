package inngesttest_test

import (
	"context"
	"errors"
	"fmt"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/inngesttest"
	"github.com/durablefn/inngest/step"
)

func newCheckout(c *inngest.Client) *inngest.Function[Order, string] {
	fn, _ := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "checkout"}, OrderPlaced.Trigger(),
		func(ctx context.Context, in inngest.Input[Order]) (string, error) {
			r, err := step.Run(ctx, "charge", func(ctx context.Context) (Receipt, error) {
				return Receipt{}, errors.New("tests must not reach the payment provider")
			})
			if err != nil {
				return "", err
			}
			return fmt.Sprintf("%s paid %d", in.Event.Data.ID, r.Amount), nil
		})
	return fn
}

// A step that fails twice, then succeeds.
func ExampleMockStep() {
	c := inngesttest.NewClient(t, inngest.ClientConfig{AppID: "shop"})
	fn := newCheckout(c)

	res := inngesttest.Run(t, c, fn,
		inngesttest.Event(OrderPlaced.New(Order{ID: "o-1"})),
		inngesttest.MockStep("charge", func(attempt int) (Receipt, error) {
			if attempt < 2 {
				return Receipt{}, errors.New("card network down")
			}
			return Receipt{ID: "r-1", Amount: 30}, nil
		}),
	)

	charge := res.Step("charge")
	fmt.Println(res.Output)
	fmt.Println("settled on attempt", charge.Attempt, "after:", charge.Attempts[0].Err, "/", charge.Attempts[1].Err)
	// Output:
	// o-1 paid 30
	// settled on attempt 2 after: card network down / card network down
}

// A step's result, without running its code.
func ExampleMockStepResult() {
	c := inngesttest.NewClient(t, inngest.ClientConfig{AppID: "shop"})
	fn := newCheckout(c)

	res := inngesttest.Run(t, c, fn,
		inngesttest.Event(OrderPlaced.New(Order{ID: "o-2"})),
		inngesttest.MockStepResult("charge", Receipt{ID: "r-2", Amount: 12}),
	)

	fmt.Println(res.Output, res.Step("charge").Mocked)
	// Output:
	// o-2 paid 12 true
}

// A step that always fails: retried, then its error reaches the function.
func ExampleMockStepError() {
	c := inngesttest.NewClient(t, inngest.ClientConfig{AppID: "shop"})
	fn := newCheckout(c)

	res := inngesttest.Run(t, c, fn, inngesttest.MockStepError("charge", errors.New("card declined")))

	charge := res.Step("charge")
	fmt.Println(res.Status, res.Err)
	fmt.Println(len(charge.Attempts), "attempts;", charge.Err)

	res = inngesttest.Run(t, c, fn, inngesttest.MockStepError("charge", inngest.NonRetriable(errors.New("card stolen"))))
	fmt.Println(len(res.Step("charge").Attempts), "attempt;", res.Err)
	// Output:
	// Failed card declined
	// 4 attempts; step "charge" failed: card declined
	// 1 attempt; NonRetriableError: card stolen
}
