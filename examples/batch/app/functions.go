// Package app is the batching pattern: page views arrive one event each,
// and the function runs with up to 100 of them at a time (or whatever
// arrived within five seconds), writing each batch with one bulk insert.
package app

import (
	"context"
	"time"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/step"
)

// AppID is the example's app ID.
const AppID = "batch"

// PageView is one page view.
type PageView struct {
	UserID string `json:"userId"`
	Path   string `json:"path"`
}

// PageViewed is sent for each page view.
var PageViewed = inngest.EventType[PageView]("analytics/page.viewed")

// Warehouse stores rows; swap in your own.
type Warehouse interface {
	InsertMany(ctx context.Context, rows []PageView) (inserted int, err error)
}

// Register creates the batch writer.
func Register(c *inngest.Client, w Warehouse) (*inngest.Function[PageView, int], error) {
	return inngest.CreateFunction(c,
		inngest.FunctionOpts{
			ID:          "record-page-views",
			BatchEvents: &inngest.BatchEvents{MaxSize: 100, Timeout: 5 * time.Second},
		},
		PageViewed.Trigger(),
		func(ctx context.Context, in inngest.Input[PageView]) (int, error) {
			rows := make([]PageView, len(in.Events))
			for i, ev := range in.Events {
				rows[i] = ev.Data
			}
			return step.Run(ctx, "bulk-insert", func(ctx context.Context) (int, error) {
				return w.InsertMany(ctx, rows)
			})
		})
}
