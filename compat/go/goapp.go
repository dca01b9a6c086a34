// Package compat runs apps written with the official Inngest SDKs,
// unmodified, against cmd/inngest-dev from the parent module: an app built
// with the official Go SDK (this file) and one built with inngest-js
// (../js/app.js). See compat_test.go for the checks.
//
// It is its own module so that the parent module never depends on the
// official SDKs.
package compat

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/inngest/inngestgo"
	inngesterrors "github.com/inngest/inngestgo/errors"
	"github.com/inngest/inngestgo/group"
	"github.com/inngest/inngestgo/step"
)

// goAppID is the official Go SDK app's ID; its functions' IDs on the
// server are "<goAppID>-<function id>".
const goAppID = "compat-go"

// counter counts how often keyed step bodies ran, to tell memoized steps
// from re-runs.
type counter struct {
	mu sync.Mutex
	n  map[string]int
}

func (c *counter) add(key string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n == nil {
		c.n = map[string]int{}
	}
	c.n[key]++
	return c.n[key]
}

func (c *counter) get(key string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n[key]
}

type data = map[string]any

// newGoApp builds the official Go SDK app against the server at devURL and
// returns its serve handler: in dev mode without a signing key, else in
// cloud mode with it.
func newGoApp(devURL, signingKey string) (http.Handler, error) {
	dev := signingKey == ""
	opts := inngestgo.ClientOpts{
		AppID:           goAppID,
		Dev:             &dev,
		APIBaseURL:      &devURL,
		EventAPIBaseURL: &devURL,
		RegisterURL:     inngestgo.StrPtr(devURL + "/fn/register"),
		EventKey:        inngestgo.StrPtr("compat"),
	}
	if signingKey != "" {
		opts.SigningKey = &signingKey
	}
	client, err := inngestgo.NewClient(opts)
	if err != nil {
		return nil, err
	}
	a := &goFns{client: client}
	a.basics()
	a.flow()
	a.fanOut()
	if err := errors.Join(a.errs...); err != nil {
		return nil, err
	}
	return client.Serve(), nil
}

// goFns registers the app's functions, keeping the errors CreateFunction
// returns and the counts its retry functions keep across attempts.
type goFns struct {
	client inngestgo.Client
	runs   counter
	errs   []error
}

func (a *goFns) add(_ inngestgo.ServableFunction, err error) {
	a.errs = append(a.errs, err)
}

// basics: an output, steps and a sleep, step and function retries, a
// non-retriable failure.
func (a *goFns) basics() {
	a.add(inngestgo.CreateFunction(a.client, inngestgo.FunctionOpts{ID: "output"},
		inngestgo.EventTrigger("go/output", nil),
		func(ctx context.Context, in inngestgo.Input[data]) (any, error) {
			return data{"hello": in.Event.Data["name"], "sdk": "go"}, nil
		}))

	a.add(inngestgo.CreateFunction(a.client, inngestgo.FunctionOpts{ID: "steps-sleep"},
		inngestgo.EventTrigger("go/steps-sleep", nil),
		func(ctx context.Context, in inngestgo.Input[data]) (any, error) {
			a, err := step.Run(ctx, "first", func(ctx context.Context) (int, error) { return 1, nil })
			if err != nil {
				return nil, err
			}
			step.Sleep(ctx, "nap", time.Second)
			b, err := step.Run(ctx, "second", func(ctx context.Context) (int, error) { return a + 1, nil })
			if err != nil {
				return nil, err
			}
			return data{"a": a, "b": b}, nil
		}))

	a.add(inngestgo.CreateFunction(a.client, inngestgo.FunctionOpts{ID: "step-retry", Retries: inngestgo.IntPtr(2)},
		inngestgo.EventTrigger("go/step-retry", nil),
		func(ctx context.Context, in inngestgo.Input[data]) (any, error) {
			return step.Run(ctx, "flaky", func(ctx context.Context) (data, error) {
				n := a.runs.add("step-retry:" + fmt.Sprint(in.Event.Data["key"]))
				if n == 1 {
					return nil, errors.New("flaky step: first try fails")
				}
				return data{"tries": n}, nil
			})
		}))

	a.add(inngestgo.CreateFunction(a.client, inngestgo.FunctionOpts{ID: "fn-retry", Retries: inngestgo.IntPtr(2)},
		inngestgo.EventTrigger("go/fn-retry", nil),
		func(ctx context.Context, in inngestgo.Input[data]) (any, error) {
			key := "fn-retry:" + fmt.Sprint(in.Event.Data["key"])
			if _, err := step.Run(ctx, "once", func(ctx context.Context) (int, error) { return a.runs.add(key), nil }); err != nil {
				return nil, err
			}
			if in.InputCtx.Attempt == 0 {
				return nil, errors.New("function fails on its first attempt")
			}
			return data{"attempt": in.InputCtx.Attempt, "stepRuns": a.runs.get(key)}, nil
		}))

	a.add(inngestgo.CreateFunction(a.client, inngestgo.FunctionOpts{ID: "fails", Retries: inngestgo.IntPtr(0)},
		inngestgo.EventTrigger("go/fails", nil),
		func(ctx context.Context, in inngestgo.Input[data]) (any, error) {
			return nil, inngesterrors.NoRetryError(errors.New("this function always fails"))
		}))
}

// flow: cancelOn and waitForEvent.
func (a *goFns) flow() {
	a.add(inngestgo.CreateFunction(a.client, inngestgo.FunctionOpts{
		ID:     "cancel",
		Cancel: []inngestgo.ConfigCancel{{Event: "go/cancel.stop", If: inngestgo.StrPtr("async.data.id == event.data.id")}},
	},
		inngestgo.EventTrigger("go/cancel", nil),
		func(ctx context.Context, in inngestgo.Input[data]) (any, error) {
			d := 30 * time.Second
			if s, ok := in.Event.Data["sleep"].(string); ok {
				if p, err := time.ParseDuration(s); err == nil {
					d = p
				}
			}
			step.Sleep(ctx, "long", d)
			return data{"done": true}, nil
		}))

	a.add(inngestgo.CreateFunction(a.client, inngestgo.FunctionOpts{ID: "wait"},
		inngestgo.EventTrigger("go/wait", nil),
		func(ctx context.Context, in inngestgo.Input[data]) (any, error) {
			timeout := 20 * time.Second
			if s, ok := in.Event.Data["timeout"].(string); ok {
				if p, err := time.ParseDuration(s); err == nil {
					timeout = p
				}
			}
			got, err := step.WaitForEvent[inngestgo.GenericEvent[data]](ctx, "approval", step.WaitForEventOpts{
				Event:   "go/wait.approved",
				If:      inngestgo.StrPtr("async.data.id == event.data.id"),
				Timeout: timeout,
			})
			if errors.Is(err, step.ErrEventNotReceived) {
				return data{"timedOut": true}, nil
			}
			if err != nil {
				return nil, err
			}
			return data{"timedOut": false, "by": got.Data["by"]}, nil
		}))
}

// fanOut: sendEvent fan-out, invoke and parallel steps.
func (a *goFns) fanOut() {
	a.add(inngestgo.CreateFunction(a.client, inngestgo.FunctionOpts{ID: "fan-child"},
		inngestgo.EventTrigger("go/fan.child", nil),
		func(ctx context.Context, in inngestgo.Input[data]) (any, error) {
			i, _ := in.Event.Data["i"].(float64)
			return data{"i": i, "times10": i * 10}, nil
		}))

	a.add(inngestgo.CreateFunction(a.client, inngestgo.FunctionOpts{ID: "fan-out"},
		inngestgo.EventTrigger("go/fan-out", nil),
		func(ctx context.Context, in inngestgo.Input[data]) (any, error) {
			evts := make([]inngestgo.GenericEvent[data], 0, 3)
			for i := 1; i <= 3; i++ {
				evts = append(evts, inngestgo.GenericEvent[data]{Name: "go/fan.child", Data: data{"i": i, "parent": in.Event.Data["key"]}})
			}
			ids, err := step.SendMany(ctx, "fan", evts)
			if err != nil {
				return nil, err
			}
			return data{"ids": ids}, nil
		}))

	a.add(inngestgo.CreateFunction(a.client, inngestgo.FunctionOpts{ID: "invoke-child"},
		inngestgo.EventTrigger("go/invoke-child", nil),
		func(ctx context.Context, in inngestgo.Input[data]) (any, error) {
			n, _ := in.Event.Data["n"].(float64)
			return data{"doubled": n * 2}, nil
		}))

	a.add(inngestgo.CreateFunction(a.client, inngestgo.FunctionOpts{ID: "invoke-parent"},
		inngestgo.EventTrigger("go/invoke", nil),
		func(ctx context.Context, in inngestgo.Input[data]) (any, error) {
			res, err := step.Invoke[data](ctx, "call-child", step.InvokeOpts{
				FunctionId: goAppID + "-invoke-child",
				Data:       data{"n": in.Event.Data["n"]},
			})
			if err != nil {
				return nil, err
			}
			return data{"child": res}, nil
		}))

	a.add(inngestgo.CreateFunction(a.client, inngestgo.FunctionOpts{ID: "parallel"},
		inngestgo.EventTrigger("go/parallel", nil),
		func(ctx context.Context, in inngestgo.Input[data]) (any, error) {
			part := func(id string, v int) func(ctx context.Context) (any, error) {
				return func(ctx context.Context) (any, error) {
					return step.Run(ctx, id, func(ctx context.Context) (int, error) { return v, nil })
				}
			}
			res := group.Parallel(ctx, part("p1", 1), part("p2", 2), part("p3", 3))
			if err := res.AnyError(); err != nil {
				return nil, err
			}
			sum := 0
			parts := make([]int, 0, len(res))
			for _, r := range res {
				v, _ := r.Value.(int)
				parts = append(parts, v)
				sum += v
			}
			return data{"parts": parts, "sum": sum}, nil
		}))
}
