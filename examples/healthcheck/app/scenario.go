package app

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sync"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/examples/internal/demo"
)

// Fake is a set of services, some of them down, and a pager.
type Fake struct {
	// Down maps unhealthy services to what is wrong with them.
	Down map[string]string

	mu    sync.Mutex
	paged []string
}

// Services lists the services to check.
func (f *Fake) Services() []string { return []string{"api", "db", "queue", "search"} }

// Check reports a service's health.
func (f *Fake) Check(_ context.Context, service string) (Status, error) {
	if why, ok := f.Down[service]; ok {
		return Status{Service: service, Detail: why}, nil
	}
	return Status{Service: service, Healthy: true}, nil
}

// Page records the page.
func (f *Fake) Page(_ context.Context, s Status) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.paged = append(f.paged, s.Service)
	return nil
}

// Paged lists the services the on-call engineer was paged about.
func (f *Fake) Paged() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.paged...)
}

// Example runs the pattern: a check requested now finds two of four
// services down, and each gets a page.
func Example() demo.Example {
	ops := &Fake{Down: map[string]string{"db": "connection refused", "search": "timeout after 5s"}}
	return demo.Example{
		AppID: AppID,
		Register: func(c *inngest.Client) error {
			_, err := Register(c, ops)
			return err
		},
		Scenario: func(ctx context.Context, env *demo.Env) error {
			ids, err := env.Send(ctx, CheckRequested.New(struct{}{}))
			if err != nil {
				return err
			}
			r, err := env.ExpectRun(ctx, ids[0], "Completed")
			if err != nil {
				return err
			}
			var rep Report
			if err := json.Unmarshal(r.Output, &rep); err != nil {
				return err
			}
			for _, id := range rep.Alerts {
				if _, err := env.ExpectRun(ctx, id, "Completed"); err != nil {
					return err
				}
			}
			if !env.Embedded() {
				return nil
			}
			paged := ops.Paged()
			slices.Sort(paged)
			fmt.Fprintf(env.Out, "paged about: %q\n", paged)
			if len(paged) != 2 {
				return fmt.Errorf("paged %d times, want 2", len(paged))
			}
			return nil
		},
	}
}
