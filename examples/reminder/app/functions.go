// Package app is the cancellable-reminder pattern: a reminder sleeps until
// it is due, then pushes a notification; deleting the reminder cancels the
// sleeping run, so nothing is pushed.
package app

import (
	"context"
	"time"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/step"
)

// AppID is the example's app ID.
const AppID = "reminder"

// Reminder is a reminder a user set.
type Reminder struct {
	ReminderID string    `json:"reminderId"`
	UserID     string    `json:"userId"`
	Text       string    `json:"text"`
	RemindAt   time.Time `json:"remindAt"`
}

// Deleted names the deleted reminder.
type Deleted struct {
	ReminderID string `json:"reminderId"`
}

// Events of the pattern.
var (
	ReminderCreated = inngest.EventType[Reminder]("tasks/reminder.created")
	ReminderDeleted = inngest.EventType[Deleted]("tasks/reminder.deleted")
)

// Pusher sends push notifications; swap in your own.
type Pusher interface {
	Push(ctx context.Context, userID, text string) (pushID string, err error)
}

// Register creates the reminder function.
func Register(c *inngest.Client, p Pusher) (*inngest.Function[Reminder, string], error) {
	return inngest.CreateFunction(c,
		inngest.FunctionOpts{
			ID: "send-reminder",
			CancelOn: []inngest.CancelOn{{
				Event:   ReminderDeleted.Name(),
				Match:   "data.reminderId",
				Timeout: 7 * 24 * time.Hour,
			}},
		},
		ReminderCreated.Trigger(),
		func(ctx context.Context, in inngest.Input[Reminder]) (string, error) {
			r := in.Event.Data
			if err := step.SleepUntil(ctx, "wait-until-due", r.RemindAt); err != nil {
				return "", err
			}
			return step.Run(ctx, "push-notification", func(ctx context.Context) (string, error) {
				return p.Push(ctx, r.UserID, r.Text)
			})
		})
}
