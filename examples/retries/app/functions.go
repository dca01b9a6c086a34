// Package app is the retry-policy pattern: bad input fails at once with
// inngest.NonRetriable, since retrying cannot fix it, and a rate-limited
// API is retried no sooner than it asked, with inngest.RetryAfter.
package app

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/step"
)

// AppID is the example's app ID.
const AppID = "retries"

// Contact is a contact to copy to the CRM.
type Contact struct {
	ContactID string `json:"contactId"`
	Email     string `json:"email"`
}

// ContactUpdated starts a sync.
var ContactUpdated = inngest.EventType[Contact]("crm/contact.updated")

// RateLimitedError is the CRM's "429 Too Many Requests".
type RateLimitedError struct {
	RetryAfter time.Duration
}

func (e *RateLimitedError) Error() string {
	return fmt.Sprintf("rate limited: retry after %s", e.RetryAfter)
}

// CRM is the API the contact is copied to; swap in your own.
type CRM interface {
	Upsert(ctx context.Context, c Contact) (crmID string, err error)
}

// Register creates the sync function.
func Register(c *inngest.Client, crm CRM) (*inngest.Function[Contact, string], error) {
	return inngest.CreateFunction(c,
		inngest.FunctionOpts{ID: "sync-contact"},
		ContactUpdated.Trigger(),
		func(ctx context.Context, in inngest.Input[Contact]) (string, error) {
			contact := in.Event.Data
			if !strings.Contains(contact.Email, "@") {
				return "", inngest.NonRetriable(fmt.Errorf("contact %s has an invalid email %q", contact.ContactID, contact.Email))
			}
			return step.Run(ctx, "upsert-contact", func(ctx context.Context) (string, error) {
				id, err := crm.Upsert(ctx, contact)
				var rl *RateLimitedError
				if errors.As(err, &rl) {
					return "", inngest.RetryAfter(err, rl.RetryAfter)
				}
				return id, err
			})
		})
}
