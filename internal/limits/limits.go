// Package limits holds the real Inngest server's limits on a function's
// configuration, each once, for the SDK's CreateFunction and the embedded
// orchestrator's sync alike. (Expressions are compiled at sync only: the
// SDK does not link a CEL compiler.) Each constant names the place in inngest/inngest it
// comes from.
package limits

import "time"

const (
	// MaxTriggers: MaxTriggers, pkg/consts/consts.go.
	MaxTriggers = 10
	// MaxEventNameLength, MaxCronLength: pkg/inngest/trigger.go.
	MaxEventNameLength = 255
	MaxCronLength      = 255
	// MinCronJitter, MaxCronJitter: a cron trigger's jitter is 0 or within
	// these, pkg/inngest/trigger.go.
	MinCronJitter = time.Second
	MaxCronJitter = 5 * time.Minute
	// MaxCancellations: MaxCancellations, pkg/consts/consts.go.
	MaxCancellations = 5
	// MaxConcurrencyLimits: MaxConcurrencyLimits, pkg/consts/consts.go.
	MaxConcurrencyLimits = 2
	// MaxRetries: MaxRetries, pkg/consts/consts.go.
	MaxRetries = 20
	// MinBatchSize, MinBatchTimeout: EventBatchConfig.IsValid,
	// pkg/inngest/batch.go.
	MinBatchSize    = 2
	MinBatchTimeout = time.Second
	// MaxRateLimitPeriod: FunctionIdempotencyPeriod, pkg/consts/consts.go,
	// which bounds a rate limit's period (RateLimit.IsValid).
	MaxRateLimitPeriod = 24 * time.Hour
	// MinDebouncePeriod, MaxDebouncePeriod: pkg/consts/consts.go.
	MinDebouncePeriod = time.Second
	MaxDebouncePeriod = 7 * 24 * time.Hour
)
