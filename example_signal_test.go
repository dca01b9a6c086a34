package inngest_test

import (
	"context"
	"fmt"
	"time"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/inngesttest"
	"github.com/durablefn/inngest/step"
)

// envTB stands in for a test's *testing.T in the examples that host an
// app on the embedded orchestrator: it runs the cleanups NewEnv registers
// when the example calls done.
type envTB struct {
	exampleTB
	cleanups []func()
}

func (e *envTB) Cleanup(f func()) { e.cleanups = append(e.cleanups, f) }

func (e *envTB) done() {
	for i := len(e.cleanups) - 1; i >= 0; i-- {
		e.cleanups[i]()
	}
}

type Decision struct {
	Approved bool `json:"approved"`
}

var DeployRequested = inngest.EventType[map[string]string]("deploy/requested")

// SendSignal resumes the run waiting for a signal and returns its ID; a
// signal no run waits for reaches nobody (""). Here the app and the
// orchestrator run in process, on a virtual clock that moves only when
// told.
func ExampleClient_SendSignal() {
	t := &envTB{}
	defer t.done()
	env := inngesttest.NewEnv(t, inngesttest.EnvConfig{NoTimeSkipping: true})
	c := env.NewClient(inngest.ClientConfig{AppID: "deployer"})
	_, _ = inngest.CreateFunction(c, inngest.FunctionOpts{ID: "deploy"}, DeployRequested.Trigger(),
		func(ctx context.Context, in inngest.Input[map[string]string]) (string, error) {
			sig, err := step.WaitForSignal[Decision](ctx, "sign-off", "deploy-"+in.Event.Data["release"], step.SignalOpts{Timeout: 24 * time.Hour})
			switch {
			case err != nil:
				return "", err
			case sig == nil:
				return "no sign-off", nil
			case !sig.Data.Approved:
				return "rejected", nil
			}
			return "deployed", nil
		})
	env.Serve(c)

	ctx := context.Background()
	runID, err := c.SendSignal(ctx, "deploy-v2", Decision{Approved: true})
	fmt.Printf("%q %v\n", runID, err)

	id := env.Send(DeployRequested.New(map[string]string{"release": "v2"}))[0]
	env.WaitIdle()
	env.Advance(2 * time.Hour)
	runID, err = c.SendSignal(ctx, "deploy-v2", Decision{Approved: true})
	run := env.WaitForEventRun(id)
	fmt.Println(runID == run.RunID, err)
	fmt.Println(inngesttest.Output[string](t, run), "after", run.Duration())
	// Output:
	// "" <nil>
	// true <nil>
	// deployed after 2h0m0s
}
