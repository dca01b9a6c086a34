package app

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/examples/internal/demo"
)

// Fake is an in-memory push service.
type Fake struct {
	// Fail makes every push fail.
	Fail bool

	mu     sync.Mutex
	pushed []string
}

// Push records the notification.
func (f *Fake) Push(_ context.Context, userID, text string) (string, error) {
	if f.Fail {
		return "", errors.New("push service unavailable")
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.pushed = append(f.pushed, userID+": "+text)
	return fmt.Sprintf("push-%d", len(f.pushed)), nil
}

// Pushed lists the notifications sent.
func (f *Fake) Pushed() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.pushed...)
}

// Example runs the pattern: two reminders due in two hours; one is deleted
// while it sleeps.
func Example() demo.Example {
	pusher := &Fake{}
	return demo.Example{
		AppID: AppID,
		Register: func(c *inngest.Client) error {
			_, err := Register(c, pusher)
			return err
		},
		Scenario: func(ctx context.Context, env *demo.Env) error {
			due := time.Now().Add(2 * time.Hour)
			if !env.Embedded() {
				due = time.Now().Add(20 * time.Second) // real time passes on a real server
			}
			var ids []string
			// Hold the clock while both reminders sleep, so that one can be
			// deleted before it is due.
			err := env.FreezeTime(func() error {
				var err error
				ids, err = env.Send(ctx,
					ReminderCreated.New(Reminder{ReminderID: "r-1", UserID: "ada", Text: "stand-up", RemindAt: due}),
					ReminderCreated.New(Reminder{ReminderID: "r-2", UserID: "ada", Text: "dentist", RemindAt: due}),
				)
				if err != nil {
					return err
				}
				for _, id := range ids {
					if err := env.WaitPaused(ctx, id, 1); err != nil {
						return err
					}
				}
				_, err = env.Send(ctx, ReminderDeleted.New(Deleted{ReminderID: "r-2"}))
				return err
			})
			if err != nil {
				return err
			}
			if err := env.ExpectRuns(ctx, ids, "Completed", "Cancelled"); err != nil {
				return err
			}
			if env.Embedded() {
				fmt.Fprintf(env.Out, "notifications pushed: %q\n", pusher.Pushed())
				if len(pusher.Pushed()) != 1 {
					return fmt.Errorf("pushed %d notifications, want 1", len(pusher.Pushed()))
				}
			}
			return nil
		},
	}
}
