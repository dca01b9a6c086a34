package app

import (
	"context"
	"sync"
	"time"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/examples/internal/demo"
)

// Fake is a CRM that rate-limits the first RateLimited calls, asking to
// wait Wait each time.
type Fake struct {
	RateLimited int
	Wait        time.Duration

	mu    sync.Mutex
	calls int
}

// Upsert stores the contact, once the rate limit lets it.
func (f *Fake) Upsert(_ context.Context, c Contact) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	if f.calls <= f.RateLimited {
		return "", &RateLimitedError{RetryAfter: f.Wait}
	}
	return "crm-" + c.ContactID, nil
}

// Calls counts the calls made.
func (f *Fake) Calls() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls
}

// Example runs the pattern: a valid contact is rate-limited once and
// retried after the ninety seconds the API asked for; a contact with a
// broken email fails on its only attempt.
func Example() demo.Example {
	crm := &Fake{RateLimited: 1, Wait: 90 * time.Second}
	return demo.Example{
		AppID: AppID,
		Register: func(c *inngest.Client) error {
			_, err := Register(c, crm)
			return err
		},
		Scenario: func(ctx context.Context, env *demo.Env) error {
			ids, err := env.Send(ctx,
				ContactUpdated.New(Contact{ContactID: "c-1", Email: "ada@example.com"}),
				ContactUpdated.New(Contact{ContactID: "c-2", Email: "not-an-email"}),
			)
			if err != nil {
				return err
			}
			if err := env.ExpectRuns(ctx, ids, "Completed", "Failed"); err != nil {
				return err
			}
			return nil
		},
	}
}
