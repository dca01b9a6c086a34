// Package ids repeats step IDs.
package ids

import (
	"context"
	"strconv"
	"time"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/step"
)

func one(ctx context.Context) (int, error) { return 1, nil }

const idCharge = "charge"

func straight(ctx context.Context) {
	step.Run(ctx, "notify", one)
	step.Run(ctx, "notify", one) // want `step ID "notify" is already used by step.Run at ids.go:18, which runs in the same pass: give this step an ID of its own`
	step.Run(ctx, idCharge, one)
	step.Sleep(ctx, "char"+"ge", time.Second) // want `step ID "charge" is already used by step.Run at ids.go:20`
}

func afterIf(ctx context.Context, big bool) {
	if big {
		step.Run(ctx, "check", one)
	}
	step.Run(ctx, "check", one) // want `step ID "check" is already used`
}

func loops(ctx context.Context, items []string) {
	step.Run(ctx, "load", one)
	for range items {
		step.Run(ctx, "load", one) // want `step ID "load" is already used`
	}
	for i := 0; i < 3; i++ {
		step.Run(ctx, "twice", one)
		step.Run(ctx, "twice", one) // want `step ID "twice" is already used`
	}
}

func parallel(ctx context.Context) {
	step.Parallel(ctx,
		func(ctx context.Context) (int, error) { return step.Run(ctx, "send", one) },
		func(ctx context.Context) (int, error) { return step.Run(ctx, "send", one) }, // want `step ID "send" is already used`
	)
}

func fallthroughs(ctx context.Context, n int) {
	switch n {
	case 1:
		step.Run(ctx, "tier", one)
		fallthrough
	case 2:
		step.Run(ctx, "tier", one) // want `step ID "tier" is already used`
	}
}

// Not reported from here on.

func oneInLoop(ctx context.Context, items []string) {
	for _, item := range items {
		step.Run(ctx, "process", func(ctx context.Context) (string, error) { return item, nil })
	}
	for i := 0; i < 3; i++ {
		step.Sleep(ctx, "tick", time.Second)
	}
}

func branches(ctx context.Context, n int, v any, c chan int) {
	if n > 1 {
		step.Run(ctx, "a", one)
	} else if n > 0 {
		step.Run(ctx, "a", one)
	} else {
		step.Run(ctx, "a", one)
	}
	switch {
	case n > 10:
		step.Run(ctx, "b", one)
	case n > 5:
		step.Run(ctx, "b", one)
	default:
		step.Run(ctx, "b", one)
	}
	switch v.(type) {
	case int:
		step.Run(ctx, "c", one)
	case string:
		step.Run(ctx, "c", one)
	}
	select {
	case <-c:
		step.Run(ctx, "d", one)
	default:
		step.Run(ctx, "d", one)
	}
}

func earlyExits(ctx context.Context, done bool, items []int) error {
	for range items {
		if done {
			step.Run(ctx, "skip", one)
			continue
		}
		step.Run(ctx, "skip", one)
	}
	if done {
		if _, err := step.Run(ctx, "finish", one); err != nil {
			return err
		}
		return nil
	}
	if _, err := step.Run(ctx, "finish", one); err != nil {
		panic(err)
	}
	return nil
}

func distinct(ctx context.Context, items []int) {
	step.Run(ctx, "first", one)
	step.Run(ctx, "second", one)
	for i := range items {
		step.Run(ctx, "item-"+strconv.Itoa(i), one)
		step.Run(ctx, "item-"+strconv.Itoa(i), one)
	}
	send := func() { step.Run(ctx, "send", one) }
	send()
	send()
}

// Each handler is a function of its own.
func register(c *inngest.Client) {
	inngest.CreateFunction(c, inngest.FunctionOpts{ID: "a"}, inngest.OnEvent("a"),
		func(ctx context.Context, in inngest.Input[map[string]any]) (int, error) {
			return step.Run(ctx, "first step", one)
		})
	inngest.CreateFunction(c, inngest.FunctionOpts{ID: "b"}, inngest.OnEvent("b"),
		func(ctx context.Context, in inngest.Input[map[string]any]) (int, error) {
			return step.Run(ctx, "first step", one)
		})
}
