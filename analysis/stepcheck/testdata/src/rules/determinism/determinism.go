// Package determinism reads time, randomness and fresh IDs in handlers.
package determinism

import (
	"context"
	crand "crypto/rand"
	"io"
	"math/rand"
	randv2 "math/rand/v2"
	"time"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/step"
	"github.com/google/uuid"
)

type Order struct{ ID string }

var Placed = inngest.EventType[Order]("shop/placed")

func Register(c *inngest.Client) {
	inngest.CreateFunction(c, inngest.FunctionOpts{ID: "lit"}, Placed.Trigger(),
		func(ctx context.Context, in inngest.Input[Order]) (string, error) {
			start := time.Now()    // want `time.Now in a function handler, outside any step, reads a different time on every replay: .*call it inside a step.Run callback`
			_ = time.Since(start)  // want `time.Since in a function handler`
			_ = time.Until(start)  // want `time.Until in a function handler`
			if rand.Intn(2) == 0 { // want `math/rand.Intn in a function handler, outside any step, draws a different random value`
				return "", nil
			}
			_ = randv2.IntN(3)              // want `math/rand/v2.IntN in a function handler`
			_ = randv2.N(time.Duration(5))  // want `math/rand/v2.N in a function handler`
			id := uuid.New()                // want `uuid.New in a function handler, outside any step, makes a different ID`
			_ = uuid.Must(uuid.NewRandom()) // want `uuid.NewRandom in a function handler`
			_ = uuid.NewString()            // want `uuid.NewString in a function handler`
			buf := make([]byte, 8)
			crand.Read(buf)                                                                 // want `crypto/rand.Read in a function handler`
			io.ReadFull(crand.Reader, buf)                                                  // want `crypto/rand.Reader in a function handler`
			if err := step.SleepUntil(ctx, "wait", time.Now().Add(time.Hour)); err != nil { // want `time.Now in a function handler`
				return "", err
			}
			_, err := step.Parallel(ctx,
				func(ctx context.Context) (int64, error) { return time.Now().Unix(), nil }, // want `time.Now in a function handler`
			)
			return id.String(), err
		})
	inngest.CreateFunction(c, inngest.FunctionOpts{ID: "named"}, Placed.Trigger(), named)
	s := &service{}
	inngest.CreateFunction(c, inngest.FunctionOpts{ID: "method"}, Placed.Trigger(), s.handle)
	byVar := func(ctx context.Context, in inngest.Input[Order]) (int, error) {
		return rand.Int(), nil // want `math/rand.Int in a function handler`
	}
	inngest.CreateFunction(c, inngest.FunctionOpts{ID: "var"}, Placed.Trigger(), byVar)
	inngest.CreateFunction(c, inngest.FunctionOpts{ID: "factory"}, Placed.Trigger(), factory(s))
	inngest.CreateFunction(c, inngest.FunctionOpts{
		ID: "failing",
		OnFailure: func(ctx context.Context, in inngest.FailureInput) error {
			_ = time.Now() // want `time.Now in a function handler`
			return nil
		},
	}, Placed.Trigger(), inngest.HandlerFunc[Order, int](func(ctx context.Context, in inngest.Input[Order]) (int, error) {
		return charge(ctx, in.Event.Data)
	}))
}

func named(ctx context.Context, in inngest.Input[Order]) (string, error) {
	return uuid.NewString(), nil // want `uuid.NewString in a function handler`
}

type service struct{}

func (s *service) handle(ctx context.Context, in inngest.Input[Order]) (int64, error) {
	return time.Now().Unix(), nil // want `time.Now in a function handler`
}

func factory(s *service) inngest.HandlerFunc[Order, bool] {
	return func(ctx context.Context, in inngest.Input[Order]) (bool, error) {
		return rand.Float64() < 0.5, nil // want `math/rand.Float64 in a function handler`
	}
}

// charge and stamp run outside steps when a handler calls them.
func charge(ctx context.Context, o Order) (int, error) {
	stamp(o)
	return step.Run(ctx, "charge", func(ctx context.Context) (int, error) { return 1, nil })
}

func stamp(o Order) int64 {
	return time.Now().UnixNano() // want `time.Now in stamp, which a function handler calls through charge, outside any step`
}

// Not reported from here on: inside step callbacks, deterministic
// constructors, and code no handler runs.

func Calm(c *inngest.Client) {
	inngest.CreateFunction(c, inngest.FunctionOpts{ID: "calm"}, Placed.Trigger(),
		func(ctx context.Context, in inngest.Input[Order]) (string, error) {
			due, err := step.Run(ctx, "due", func(ctx context.Context) (time.Time, error) {
				later := func() time.Time { return time.Now().Add(time.Hour) }
				return later(), nil
			})
			if err != nil {
				return "", err
			}
			if err := step.SleepUntil(ctx, "wait", due); err != nil {
				return "", err
			}
			id, err := step.Run(ctx, "id", func(ctx context.Context) (string, error) {
				return uuid.NewString() + stampString(), nil
			})
			if err != nil {
				return "", err
			}
			_, err = step.Run(ctx, "named", newID)
			r := rand.New(rand.NewSource(42))
			_ = r.Intn(10)
			_ = randv2.New(randv2.NewPCG(1, 2))
			_ = uuid.NewSHA1(uuid.NameSpaceURL, []byte(in.Event.Data.ID))
			_ = uuid.MustParse("6ba7b811-9dad-11d1-80b4-00c04fd430c8")
			return id, err
		})
}

func newID(ctx context.Context) (string, error) { return uuid.NewString(), nil }

func stampString() string { return time.Now().String() }

func main() {
	start := time.Now()
	_ = time.Since(start)
	_ = rand.Intn(3)
}

// A callback passed by variable is still a step's callback.
func ByVariable(c *inngest.Client) {
	inngest.CreateFunction(c, inngest.FunctionOpts{ID: "by-variable"}, Placed.Trigger(),
		func(ctx context.Context, in inngest.Input[Order]) (time.Time, error) {
			now := func(ctx context.Context) (time.Time, error) { return time.Now(), nil }
			return step.Run(ctx, "now", now)
		})
}
