package app

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/examples/internal/demo"
)

// MemStore is a tiny in-memory user store and mailer.
type MemStore struct {
	mu   sync.Mutex
	sent []string
	fail map[string]bool
}

// Users returns three users.
func (s *MemStore) Users(context.Context) ([]User, error) {
	return []User{
		{ID: "ada", Email: "ada@example.com"},
		{ID: "grace", Email: "grace@example.com"},
		{ID: "alan", Email: "alan@example.com"},
	}, nil
}

// SendEmail records the email.
func (s *MemStore) SendEmail(_ context.Context, to, _ string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail[to] {
		return fmt.Errorf("mailbox %s unavailable", to)
	}
	s.sent = append(s.sent, to)
	return nil
}

// Sent lists the addresses emailed.
func (s *MemStore) Sent() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.sent...)
}

// Example runs the pattern: request a digest now and check every user got
// one.
func Example() demo.Example {
	store := &MemStore{}
	return demo.Example{
		AppID: AppID,
		Register: func(c *inngest.Client) error {
			_, err := Register(c, store)
			return err
		},
		Scenario: func(ctx context.Context, env *demo.Env) error {
			ids, err := env.Send(ctx, DigestRequested.New(struct{}{}))
			if err != nil {
				return err
			}
			runs, err := env.WaitForEventRuns(ctx, ids[0], 1)
			if err != nil {
				return err
			}
			env.Print(runs[0])
			if err := demo.Expect(runs[0], "Completed"); err != nil {
				return err
			}
			var out FanOut
			if err := json.Unmarshal(runs[0].Output, &out); err != nil {
				return err
			}
			for _, id := range out.EventIDs {
				if _, err := env.ExpectRun(ctx, id, "Completed"); err != nil {
					return err
				}
			}
			if env.Embedded() {
				fmt.Fprintf(env.Out, "digest emails sent: %d\n", len(store.Sent()))
				if len(store.Sent()) != 3 {
					return fmt.Errorf("sent %d emails, want 3", len(store.Sent()))
				}
			}
			return nil
		},
	}
}
