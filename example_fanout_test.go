package inngest_test

import (
	"context"
	"fmt"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/inngesttest"
	"github.com/durablefn/inngest/step"
)

type Digest struct {
	UserID string `json:"userId"`
}

var DigestDue = inngest.EventType[Digest]("mail/digest.due")

// Fan out: NewMany builds one event per item, ready to send in one
// step.SendEvent (or Client.Send); each event starts its own run of the
// functions it triggers.
func ExampleEventType_NewMany() {
	c := inngesttest.NewClient(tb, inngest.ClientConfig{AppID: "mail"})
	fn, _ := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "send-digests"}, inngest.OnCron("0 8 * * *"),
		func(ctx context.Context, in inngest.Input[inngest.CronData]) (int, error) {
			users, err := step.Run(ctx, "load-users", func(ctx context.Context) ([]Digest, error) {
				return []Digest{{UserID: "u1"}, {UserID: "u2"}, {UserID: "u3"}}, nil // query the database here
			})
			if err != nil {
				return 0, err
			}
			ids, err := step.SendEvent(ctx, "fan-out", DigestDue.NewMany(users)...)
			return len(ids), err
		})
	res := inngesttest.Run(tb, c, fn)
	for _, ev := range res.Step("fan-out").Sent {
		fmt.Println(ev.Name, ev.Data["userId"])
	}
	fmt.Println(res.Output)
	// Output:
	// mail/digest.due u1
	// mail/digest.due u2
	// mail/digest.due u3
	// 3
}
