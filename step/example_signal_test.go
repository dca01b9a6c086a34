package step_test

import (
	"context"
	"fmt"
	"time"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/inngesttest"
	"github.com/durablefn/inngest/step"
)

type Refund struct {
	Approver string `json:"approver"`
}

// WaitForSignal pauses a run until the app sends the signal it names,
// here one per order, or the timeout passes (nil). The test engine
// mocks the signal, or its timeout.
func ExampleWaitForSignal() {
	c := inngesttest.NewClient(t, inngest.ClientConfig{AppID: "shop"})
	fn, _ := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "refund"}, OrderPlaced.Trigger(),
		func(ctx context.Context, in inngest.Input[Order]) (string, error) {
			sig, err := step.WaitForSignal[Refund](ctx, "approval", "refund-"+in.Event.Data.ID, step.SignalOpts{
				Timeout: 48 * time.Hour,
				Name:    "Wait for a refund approval",
			})
			if err != nil {
				return "", err
			}
			if sig == nil {
				return "refund expired", nil
			}
			return sig.Name + " approved by " + sig.Data.Approver, nil
		})
	order := inngesttest.Event(OrderPlaced.New(Order{ID: "o-9", Total: 40}))

	res := inngesttest.Run(t, c, fn, order, inngesttest.MockWaitForSignal("approval", Refund{Approver: "ana"}))
	fmt.Println(res.Output)
	fmt.Printf("%+v\n", *res.Step("approval").Signal)

	res = inngesttest.Run(t, c, fn, order, inngesttest.MockWaitTimeout("approval"))
	fmt.Println(res.Output, "after", res.Duration())
	// Output:
	// refund-o-9 approved by ana
	// {Signal:refund-o-9 Timeout:48h0m0s OnConflict:fail}
	// refund expired after 48h0m0s
}

// SendSignal sends a signal as a step, here the approval a refund run
// waits for: the step returns the run it resumed, and a replay does not
// send it again. The test engine records the signal; a mock says which
// run it reached (without one, none: no other run waits in unit mode).
func ExampleSendSignal() {
	c := inngesttest.NewClient(t, inngest.ClientConfig{AppID: "shop"})
	approved := inngest.EventType[Refund]("refund/approved")
	fn, _ := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "approve"}, approved.Trigger(),
		func(ctx context.Context, in inngest.Input[Refund]) (string, error) {
			sent, err := step.SendSignal(ctx, "approve", "refund-o-9", in.Event.Data)
			if err != nil {
				return "", err
			}
			if sent.RunID == "" {
				return "no refund waits", nil
			}
			return "resumed " + sent.RunID, nil
		})
	ev := inngesttest.Event(approved.New(Refund{Approver: "ana"}))

	res := inngesttest.Run(t, c, fn, ev, inngesttest.MockSendSignal("approve", "01JREFUND"))
	s := res.Step("approve").SentSignal
	fmt.Println(res.Output)
	fmt.Println(s.Signal, string(s.Data))

	res = inngesttest.Run(t, c, fn, ev)
	fmt.Println(res.Output)
	// Output:
	// resumed 01JREFUND
	// refund-o-9 {"approver":"ana"}
	// no refund waits
}

// Any step can have a display name, which the server's UI shows instead
// of its ID; the ID alone decides memoization, so the name can change
// freely.
func ExampleOpts() {
	c := inngesttest.NewClient(t, inngest.ClientConfig{AppID: "shop"})
	fn, _ := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "charge"}, OrderPlaced.Trigger(),
		func(ctx context.Context, in inngest.Input[Order]) (int, error) {
			return step.Run(ctx, "charge", func(ctx context.Context) (int, error) {
				return in.Event.Data.Total, nil
			}, &step.Opts{Name: "Charge order " + in.Event.Data.ID})
		})
	res := inngesttest.Run(t, c, fn, inngesttest.Event(OrderPlaced.New(Order{ID: "o-9", Total: 40})))
	fmt.Printf("%s %q %d\n", res.StepIDs(), res.Step("charge").Name, res.Output)
	// Output: [charge] "Charge order o-9" 40
}
