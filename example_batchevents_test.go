package inngest_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/inngesttest"
)

// tb stands in for a test's *testing.T in the examples that run a
// function with package inngesttest.
var tb testing.TB = exampleTB{}

type exampleTB struct{ testing.TB }

func (exampleTB) Helper()                           {}
func (exampleTB) Logf(string, ...any)               {}
func (exampleTB) Cleanup(func())                    {}
func (exampleTB) Errorf(format string, args ...any) { panic(fmt.Sprintf(format, args...)) }
func (exampleTB) Fatalf(format string, args ...any) { panic(fmt.Sprintf(format, args...)) }
func (exampleTB) FailNow()                          { panic("test failed") }

type PageView struct {
	Path string `json:"path"`
}

var PageViewed = inngest.EventType[PageView]("site/page.viewed")

// With BatchEvents, one run receives up to MaxSize events in
// Input.Events, gathered for at most Timeout: here, one bulk insert per
// batch rather than one per page view.
func ExampleBatchEvents() {
	c := inngesttest.NewClient(tb, inngest.ClientConfig{AppID: "analytics"})
	fn, _ := inngest.CreateFunction(c, inngest.FunctionOpts{
		ID:          "store-page-views",
		BatchEvents: &inngest.BatchEvents{MaxSize: 100, Timeout: 5 * time.Second},
	}, PageViewed.Trigger(),
		func(ctx context.Context, in inngest.Input[PageView]) (string, error) {
			paths := make([]string, len(in.Events))
			for i, ev := range in.Events {
				paths[i] = ev.Data.Path
			}
			return fmt.Sprintf("inserted %d rows: %v", len(paths), paths), nil // one INSERT here
		})
	batch := PageViewed.NewMany([]PageView{{Path: "/"}, {Path: "/pricing"}, {Path: "/docs"}})
	res := inngesttest.Run(tb, c, fn, inngesttest.Event(batch...))
	fmt.Println(res.Output)
	// Output: inserted 3 rows: [/ /pricing /docs]
}
