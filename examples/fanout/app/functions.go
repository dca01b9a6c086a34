// Package app is the fan-out pattern: a cron-triggered loader fetches
// users in one step and sends one event per user in one sendEvent step; a
// worker function handles each user in a run of its own.
package app

import (
	"context"
	"fmt"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/step"
)

// AppID is the example's app ID.
const AppID = "fanout"

// User is a user to email.
type User struct {
	ID    string `json:"id"`
	Email string `json:"email"`
}

// DigestRequested asks for the digest now; the loader also runs every
// Monday at 9:00.
var DigestRequested = inngest.EventType[struct{}]("digest/requested")

// DigestEmail is one user's email job.
var DigestEmail = inngest.EventType[User]("digest/email.send")

// FanOut is what a loader run returns: the users found and the IDs of the
// events sent for them.
type FanOut struct {
	Users    int      `json:"users"`
	EventIDs []string `json:"eventIds"`
}

// Store is where users come from and emails go; swap in your own.
type Store interface {
	Users(ctx context.Context) ([]User, error)
	SendEmail(ctx context.Context, to, body string) error
}

// Functions are the pattern's functions.
type Functions struct {
	Loader *inngest.Function[struct{}, FanOut]
	Worker *inngest.Function[User, string]
}

// Register creates the loader and the worker.
func Register(c *inngest.Client, store Store) (*Functions, error) {
	var fns Functions
	var err error
	fns.Loader, err = inngest.CreateFunction(c,
		inngest.FunctionOpts{ID: "weekly-digest-loader"},
		DigestRequested.Trigger().OrCron("0 9 * * MON"),
		func(ctx context.Context, in inngest.Input[struct{}]) (FanOut, error) {
			users, err := step.Run(ctx, "load-users", store.Users)
			if err != nil || len(users) == 0 {
				return FanOut{}, err
			}
			ids, err := step.SendEvent(ctx, "fan-out", DigestEmail.NewMany(users)...)
			return FanOut{Users: len(users), EventIDs: ids}, err
		})
	if err != nil {
		return nil, err
	}
	fns.Worker, err = inngest.CreateFunction(c,
		inngest.FunctionOpts{ID: "send-digest-email", Concurrency: []inngest.Concurrency{{Limit: 10}}},
		DigestEmail.Trigger(),
		func(ctx context.Context, in inngest.Input[User]) (string, error) {
			u := in.Event.Data
			return step.Run(ctx, "send-email", func(ctx context.Context) (string, error) {
				return u.Email, store.SendEmail(ctx, u.Email, fmt.Sprintf("Hi %s, here is your digest.", u.ID))
			})
		})
	return &fns, err
}
