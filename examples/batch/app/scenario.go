package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/examples/internal/demo"
)

// Fake is an in-memory warehouse that remembers the size of each insert.
type Fake struct {
	// Down makes every insert fail.
	Down bool

	mu      sync.Mutex
	inserts []int
}

// InsertMany stores the rows in one insert.
func (f *Fake) InsertMany(_ context.Context, rows []PageView) (int, error) {
	if f.Down {
		return 0, errors.New("warehouse unavailable")
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.inserts = append(f.inserts, len(rows))
	return len(rows), nil
}

// Inserts lists the size of each insert, in order.
func (f *Fake) Inserts() []int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]int(nil), f.inserts...)
}

// Events is the number of page views the scenario sends.
const Events = 250

// Example runs the pattern: 250 page views become runs of 100, 100 and
// 50 events, the last one started by the five-second timeout.
func Example() demo.Example {
	wh := &Fake{}
	return demo.Example{
		AppID: AppID,
		Register: func(c *inngest.Client) error {
			_, err := Register(c, wh)
			return err
		},
		Scenario: func(ctx context.Context, env *demo.Env) error {
			events := make([]inngest.Sendable, Events)
			for i := range events {
				events[i] = PageViewed.New(PageView{UserID: fmt.Sprintf("u-%d", i%7), Path: fmt.Sprintf("/docs/%d", i)})
			}
			ids, err := env.Send(ctx, events...)
			if err != nil {
				return err
			}
			// Batch runs are found through their events (on the real
			// server, through each batch's last event only).
			runs, err := env.WaitRunsOf(ctx, ids, 3)
			if err != nil {
				return err
			}
			var sizes []int
			for _, r := range runs {
				env.Print(r)
				if err := demo.Expect(r, "Completed"); err != nil {
					return err
				}
				var n int
				if err := json.Unmarshal(r.Output, &n); err != nil {
					return err
				}
				sizes = append(sizes, n)
			}
			slices.SortFunc(sizes, func(a, b int) int { return b - a })
			fmt.Fprintf(env.Out, "rows per insert: %v\n", sizes)
			if !slices.Equal(sizes, []int{100, 100, 50}) {
				return fmt.Errorf("batches of %v, want [100 100 50]", sizes)
			}
			return nil
		},
	}
}
