// Package maprange calls steps while ranging over maps.
package maprange

import (
	"context"
	"maps"
	"slices"
	"testing"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/step"
)

func ok(ctx context.Context) (bool, error) { return true, nil }

func checks(ctx context.Context, sites map[string]string) {
	for name := range sites { // want `range over a map calls step.Run at maprange.go:18 in random order, so a replay can meet its steps in another order .*: range over sorted keys, e.g. slices.Sorted\(maps.Keys\(m\)\)`
		step.Run(ctx, "check-"+name, ok)
	}
	for _, url := range sites { // want `range over a map calls step.Run at`
		if url != "" {
			step.Run(ctx, "check", ok)
		}
	}
	for name := range maps.Keys(sites) { // want `range over a map calls step.Sleep`
		step.Sleep(ctx, "pause-"+name, 0)
	}
	for name := range sites { // want `range over a map calls ping \(which calls step.Run\) at maprange.go:\d+`
		ping(ctx, name)
	}
}

func ping(ctx context.Context, name string) {
	step.Run(ctx, "ping-"+name, ok)
}

// Not reported from here on.

func sorted(ctx context.Context, sites map[string]string) int {
	for _, name := range slices.Sorted(maps.Keys(sites)) {
		step.Run(ctx, "check-"+name, ok)
	}
	n := 0
	for _, url := range sites {
		n += len(url)
	}
	step.Run(ctx, "summary", func(ctx context.Context) (bool, error) {
		for range sites {
			n++
		}
		return true, nil
	})
	return n
}

// Handlers made in a range run later, each on its own.
func TestTable(t *testing.T) {
	cases := map[string]string{"a": "x", "b": "y"}
	for name, want := range cases {
		t.Run(name, func(t *testing.T) {
			inngest.CreateFunction(&inngest.Client{}, inngest.FunctionOpts{ID: name}, inngest.OnEvent("e"),
				func(ctx context.Context, in inngest.Input[map[string]any]) (string, error) {
					return step.Run(ctx, "a", func(ctx context.Context) (string, error) { return want, nil })
				})
		})
		handler := func(ctx context.Context, in inngest.Input[map[string]any]) (bool, error) {
			return step.Run(ctx, "b", ok)
		}
		_ = handler
		build := func(ctx context.Context) (bool, error) { return step.Run(ctx, "c", ok) }
		_ = build
	}
}
