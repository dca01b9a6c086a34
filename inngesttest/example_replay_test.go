package inngesttest_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/inngesttest"
	"github.com/durablefn/inngest/step"
)

// shipping creates the shop's shipping function on a new test client,
// with its steps in the given order.
func shipping(stepIDs ...string) (*inngest.Client, *inngest.Function[Order, int]) {
	c := inngesttest.NewClient(t, inngest.ClientConfig{AppID: "shop"})
	fn, _ := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "ship"}, OrderPlaced.Trigger(),
		func(ctx context.Context, in inngest.Input[Order]) (int, error) {
			for _, id := range stepIDs {
				if _, err := step.Run(ctx, id, func(ctx context.Context) (bool, error) { return true, nil }); err != nil {
					return 0, err
				}
			}
			return len(stepIDs), nil
		})
	return c, fn
}

// replayFailure runs Replay with a stand-in testing.TB and returns what
// it reported, without its first line (which names the file).
func replayFailure(c *inngest.Client, fn *inngest.Function[Order, int], path string) string {
	r := &recorder{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		inngesttest.Replay(testing.TB(r), c, fn, path)
	}()
	<-done
	msg := strings.Join(r.msgs, "\n")
	if i := strings.IndexByte(msg, '\n'); i >= 0 {
		msg = msg[i+1:]
	}
	return msg
}

// Record writes a run's history the first time (or with
// -inngesttest.update), and Replay checks the code against it: here the
// code is unchanged and passes.
func ExampleRecord() {
	dir, _ := os.MkdirTemp("", "history")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "ship.history.json")

	c, fn := shipping("pick", "pack", "label")
	res := inngesttest.Record(t, c, fn, path, inngesttest.Event(OrderPlaced.New(Order{ID: "o-1"})))
	fmt.Println(res.Status, res.StepIDs())

	inngesttest.Replay(t, c, fn, path)
	fmt.Println("replayed")
	// Output:
	// Completed [pick pack label]
	// replayed
}

// When the code no longer reaches the recorded steps in the recorded
// order, Replay fails the test naming the first step that differs, with
// both sequences side by side.
func ExampleReplay() {
	dir, _ := os.MkdirTemp("", "history")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "ship.history.json")
	c, fn := shipping("pick", "pack", "label")
	inngesttest.Record(t, c, fn, path, inngesttest.Event(OrderPlaced.New(Order{ID: "o-1"})))

	c2, fn2 := shipping("pick", "label", "pack") // labels before packing
	fmt.Println(replayFailure(c2, fn2, path))
	// Output:
	//   step 2: recorded "pack" (run), now "label" (run)
	//
	//      step  recorded         now
	//      1     "pick" (run)     "pick" (run)
	//   >  2     "pack" (run)     "label" (run)
	//      3     "label" (run)
	//      end   ended Completed
	//
	// A deployed change like this breaks runs in flight. If it is meant, rerun with -inngesttest.update to record the history again.
}
