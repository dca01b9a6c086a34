package inngest

import (
	"fmt"
	"time"

	"github.com/durablefn/inngest/internal/engine"
	"github.com/durablefn/inngest/internal/wire"
)

// Checkpoint turns on checkpointing for a function (FunctionOpts.Checkpoint).
//
// Without it, every new step ends the call request that reached it: the
// server saves the step's result and calls the function again, which
// replays every earlier step from its saved result, so a run of N steps
// takes N+1 requests and its replay work grows with N². With it, a
// request that runs a step.Run (or step.SendEvent, step.SendSignal,
// ai.Wrap) outside step.Parallel saves its result with the server's
// checkpoint API and the function goes on in the same request: sequential steps run one after another, and a
// run of N such steps takes one request. A sleep, a wait, an invoke,
// step.Parallel or a step error ends the request as before.
//
// If saving fails, the request ends as without checkpointing, reporting
// the steps that were not saved, so no step result is lost and none is
// reported twice (the server ignores a step saved again).
//
// The zero value is the safest: each step is saved as soon as it
// finishes, and the function waits for that before going on. BatchSteps
// and BatchInterval save several steps at once, fewer requests for less
// safety: if the process dies before they are saved, they run again.
// The server keeps a function's checkpoint config, but checkpointing is
// the SDK's work: it needs nothing of the server beyond its API.
//
// ClientConfig.Checkpoint sets a default for every function of a client;
// a function opts out of it with &Checkpoint{Disabled: true}.
type Checkpoint struct {
	// Disabled turns checkpointing off for a function whose client has a
	// default (ClientConfig.Checkpoint); the other fields must then be
	// zero. On ClientConfig.Checkpoint it means no default, as nil does.
	Disabled bool
	// BatchSteps is how many finished steps are saved together. 0 or 1:
	// each step as soon as it finishes. Steps still waiting are saved
	// before the request answers.
	BatchSteps int
	// BatchInterval saves the waiting steps once the oldest has waited
	// this long, checked as each step finishes. 0: no bound.
	BatchInterval time.Duration
	// MaxRuntime is how long one request may go on running steps: the
	// first step.Run reached after it ends the request as without
	// checkpointing, so the server calls the function again. Useful where
	// requests are cut short (serverless). 0: no bound.
	MaxRuntime time.Duration
}

// validate refuses negative bounds, and bounds beside Disabled.
func (c *Checkpoint) validate() error {
	switch {
	case c == nil:
		return nil
	case c.Disabled && *c != Checkpoint{Disabled: true}:
		return fmt.Errorf("Checkpoint.Disabled turns checkpointing off: leave BatchSteps, BatchInterval and MaxRuntime zero")
	case c.BatchSteps < 0:
		return fmt.Errorf("Checkpoint.BatchSteps must not be negative, got %d", c.BatchSteps)
	case c.BatchInterval < 0:
		return fmt.Errorf("Checkpoint.BatchInterval must not be negative, got %s", c.BatchInterval)
	case c.MaxRuntime < 0:
		return fmt.Errorf("Checkpoint.MaxRuntime must not be negative, got %s", c.MaxRuntime)
	}
	return nil
}

// orDefault returns the checkpointing of a function created with c: its
// own, else the client's default, def (nil when none).
func (c *Checkpoint) orDefault(def *engine.CheckpointPolicy) *Checkpoint {
	if c != nil || def == nil {
		return c
	}
	return &Checkpoint{BatchSteps: def.BatchSteps, BatchInterval: def.BatchInterval, MaxRuntime: def.MaxRuntime}
}

// toWire returns the config as the sync payload carries it: none when
// off.
func (c *Checkpoint) toWire() *wire.CheckpointConfig {
	if c == nil || c.Disabled {
		return nil
	}
	w := &wire.CheckpointConfig{BatchSteps: c.BatchSteps}
	if c.BatchInterval > 0 {
		w.BatchInterval = c.BatchInterval.String()
	}
	if c.MaxRuntime > 0 {
		w.MaxRuntime = c.MaxRuntime.String()
	}
	return w
}

// policy returns the engine's form of the config, nil when off.
func (c *Checkpoint) policy() *engine.CheckpointPolicy {
	if c == nil || c.Disabled {
		return nil
	}
	return &engine.CheckpointPolicy{BatchSteps: c.BatchSteps, BatchInterval: c.BatchInterval, MaxRuntime: c.MaxRuntime}
}
