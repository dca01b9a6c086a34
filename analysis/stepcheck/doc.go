// Package stepcheck defines an analyzer that finds step code which cannot
// replay: steps called where they do not work, step IDs that collide, and
// values that change between the calls of one run.
//
// A function is called again for each step it reaches, and every step
// already done returns its saved result, found by step ID. So the code
// between steps must take the same path on every call, and steps must be
// called from the function's own goroutine. The checker knows the steps by
// their type: functions of packages github.com/durablefn/inngest/step
// and its step/ai, however they are imported or renamed. It follows calls into
// functions of the package it checks, not into other packages.
//
// Run it with cmd/inngest-vet:
//
//	go run github.com/durablefn/inngest/cmd/inngest-vet ./...
//	go vet -vettool=$(which inngest-vet) ./...
//
// # Steps in goroutines
//
// A new step stops the goroutine that reaches it until the server calls
// again, so a step works only on the function's own goroutine. The checker
// reports steps, and calls of local functions that reach steps, in a go
// statement or in a function handed to a call that runs it on another
// goroutine: errgroup.Group's Go and TryGo, sync.WaitGroup's Go,
// time.AfterFunc, the Go methods of github.com/sourcegraph/conc and its
// pool and stream packages, and conc/iter's ForEach and Map.
//
//	g.Go(func() error {
//		_, err := step.Run(ctx, "charge", charge) // reported
//		return err
//	})
//
// Use step.Parallel or step.Parallel2 instead: their branches are the
// function's own code and may call steps.
//
// # Nested steps
//
// Steps do not nest: a step called inside another step's callback fails,
// whether it is given the callback's ctx or the function's.
//
//	step.Run(ctx, "order", func(ctx context.Context) (string, error) {
//		step.Sleep(ctx, "pause", time.Minute) // reported
//		...
//	})
//
// Call the inner step from the function body, before or after the outer
// one.
//
// # Repeated step IDs
//
// Two steps of one function body with the same constant ID that both run
// in one pass are reported: a repeated ID is told apart only by its
// position, so inserting or removing a step before it moves saved results
// to the wrong call.
//
//	step.Run(ctx, "notify", mailUser)
//	step.Run(ctx, "notify", mailAdmin) // reported
//
// One call in a loop is fine, and so are calls in exclusive branches: the
// then and else of an if, the cases of a switch or select, an if that
// returns and the code after it. Branches of one step.Parallel all run, so
// they count as one pass.
//
// # Non-determinism outside steps
//
// In a function handler (a function given to inngest.CreateFunction, or
// to any function as an inngest.HandlerFunc, or as FunctionOpts.OnFailure;
// any function taking a context.Context and an inngest.Input; and the
// functions of the package these call) the code outside step callbacks
// runs again on every call, so it must compute the same values each time. The checker reports there:
// time.Now, time.Since and time.Until; the functions of math/rand and
// math/rand/v2 that use the shared source; crypto/rand; and fresh IDs from
// github.com/google/uuid (New, NewString, NewRandom, NewV7, ...) and
// similar packages (gofrs/uuid, oklog/ulid, rs/xid, segmentio/ksuid).
//
//	due := time.Now().Add(time.Hour) // reported
//	step.SleepUntil(ctx, "wait", due)
//
// Read such values inside a step.Run callback, which saves the result:
//
//	due, err := step.Run(ctx, "due", func(ctx context.Context) (time.Time, error) {
//		return time.Now().Add(time.Hour), nil
//	})
//
// A range over a map (or over maps.Keys and friends) that calls steps is
// reported anywhere: the order of a map changes from one call to the next,
// so a replay can meet the steps in another order.
//
//	for name, url := range sites { // reported
//		step.Run(ctx, "check-"+name, ...)
//	}
//
// Range over slices.Sorted(maps.Keys(sites)) instead.
//
// # Silencing a finding
//
// A comment //stepcheck:ignore at the end of the reported line, or alone
// on the line above it, silences the findings on that line.
// The SDK's own tests that break a rule on purpose, to check the error a
// user gets when the code runs, are marked this way.
package stepcheck
