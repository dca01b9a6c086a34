package inngesttest_test

import (
	"context"
	"fmt"
	"time"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/inngesttest"
)

// nightly is a cron-triggered function: it reports the tick it ran for.
func nightly(c *inngest.Client) *inngest.Function[inngest.CronData, string] {
	fn, _ := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "nightly"}, inngest.OnCron("0 2 * * *"),
		func(ctx context.Context, in inngest.Input[inngest.CronData]) (string, error) {
			at := time.UnixMilli(in.Event.Timestamp).UTC()
			return fmt.Sprintf("report (%s) for %s", in.Event.Data.Cron, at.Format("Jan 2")), nil
		})
	return fn
}

// Fire a cron in a test. In unit mode, Run starts a cron-triggered
// function as a tick would: with the scheduled timer event
// (inngest/scheduled.timer) carrying its schedule. In an Env, move the
// virtual clock past the ticks: each tick the clock passes fires once, in
// order, as on the real server (none is skipped, however long the jump).
func Example_cron() {
	c, _ := inngest.NewClient(inngest.ClientConfig{AppID: "reports", Dev: "1"})
	res := inngesttest.Run(exampleT{}, c, nightly(c))
	fmt.Println(res.Status)

	t := &envT{}
	defer t.done()
	start := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	env := inngesttest.NewEnv(t, inngesttest.EnvConfig{Start: start, NoTimeSkipping: true})
	ec := env.NewClient(inngest.ClientConfig{AppID: "reports"})
	fn := nightly(ec)
	env.Serve(ec)
	env.Advance(3 * 24 * time.Hour)
	for _, run := range env.WaitForFunctionRuns(fn.FullID(), 3) {
		var out string
		_ = run.Decode(&out)
		fmt.Println(out)
	}
	// Output:
	// Completed
	// report (0 2 * * *) for Jan 1
	// report (0 2 * * *) for Jan 2
	// report (0 2 * * *) for Jan 3
}
