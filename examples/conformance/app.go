package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/step"
)

// AppID is the conformance fixture's app ID.
const AppID = "conformance-golang"

// Reply is what most fixture functions return.
type Reply struct {
	Name string `json:"name"`
	Body string `json:"body"`
}

// data is the untyped event data of the fixture's functions.
type data = map[string]any

// register creates the fixture's functions on c.
func register(c *inngest.Client) error {
	for _, f := range []func(*inngest.Client) error{registerSimple, registerSteps, registerRetry, registerCancel, registerWait} {
		if err := f(c); err != nil {
			return err
		}
	}
	return nil
}

// registerSimple registers the simple function: no steps.
func registerSimple(c *inngest.Client) error {
	_, err := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "test-suite-simple-fn"},
		inngest.OnEvent("tests/function.test"),
		func(ctx context.Context, in inngest.Input[data]) (Reply, error) {
			return Reply{Name: in.Event.Name, Body: "ok"}, nil
		})
	return err
}

// registerSteps registers two steps with a sleep between them.
func registerSteps(c *inngest.Client) error {
	_, err := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "test-suite-step-test"},
		inngest.OnEvent("tests/step.test"),
		func(ctx context.Context, in inngest.Input[data]) (Reply, error) {
			first, err := step.Run(ctx, "first step", func(ctx context.Context) (string, error) {
				return "first step", nil
			})
			if err != nil {
				return Reply{}, err
			}
			if err := step.Sleep(ctx, "sleep", 2*time.Second); err != nil {
				return Reply{}, err
			}
			if _, err := step.Run(ctx, "second step", func(ctx context.Context) (map[string]any, error) {
				return map[string]any{"first": first, "second": true}, nil
			}); err != nil {
				return Reply{}, err
			}
			return Reply{Name: in.Event.Name, Body: "ok"}, nil
		})
	return err
}

// registerRetry registers a step and a function body that each fail their first attempt.
func registerRetry(c *inngest.Client) error {
	_, err := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "test-suite-retry-test"},
		inngest.OnEvent("tests/retry.test"),
		func(ctx context.Context, in inngest.Input[data]) (Reply, error) {
			if _, err := step.Run(ctx, "first step", func(ctx context.Context) (string, error) {
				if in.Attempt == 0 {
					return "", errors.New("broken")
				}
				return fmt.Sprintf("yes: %d", in.Attempt+1), nil
			}); err != nil {
				return Reply{}, err
			}
			if in.Attempt == 0 {
				return Reply{}, errors.New("broken func")
			}
			return Reply{Name: in.Event.Name, Body: "ok"}, nil
		})
	return err
}

// registerCancel registers a sleeping function cancelled by an event.
func registerCancel(c *inngest.Client) error {
	_, err := inngest.CreateFunction(c, inngest.FunctionOpts{
		ID:       "test-suite-cancel-test",
		CancelOn: []inngest.CancelOn{{Event: "cancel/please", If: "async.data.request_id == event.data.request_id"}},
	},
		inngest.OnEvent("tests/cancel.test"),
		func(ctx context.Context, in inngest.Input[data]) (Reply, error) {
			if err := step.Sleep(ctx, "sleep", 10*time.Second); err != nil {
				return Reply{}, err
			}
			if _, err := step.Run(ctx, "After the sleep", func(ctx context.Context) (string, error) {
				return "done", nil
			}); err != nil {
				return Reply{}, err
			}
			return Reply{Name: in.Event.Name, Body: "ok"}, nil
		})
	return err
}

// registerWait registers a wait for an event that matches an expression.
func registerWait(c *inngest.Client) error {
	resume := inngest.EventType[map[string]any]("test/resume")
	_, err := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "test-suite-wait-for-event"},
		inngest.OnEvent("tests/wait.test"),
		func(ctx context.Context, in inngest.Input[data]) (map[string]any, error) {
			ev, err := step.WaitForEvent(ctx, "wait", resume, step.WaitOpts{
				Timeout: 10 * time.Second,
				If:      "async.data.resume == true && async.data.id == event.data.id",
			})
			if err != nil {
				return nil, err
			}
			if ev == nil {
				return map[string]any{}, nil
			}
			return map[string]any{"result": ev.Data}, nil
		})
	return err
}
