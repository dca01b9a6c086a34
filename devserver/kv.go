package devserver

import (
	"encoding/json"
	"time"
)

// Kinds of key-value rows the server keeps in its store, with the value
// each holds.
const (
	kvBatch       = "batch"       // batch key → batchState
	kvDebounce    = "debounce"    // debounce key → debounceState
	kvThrottle    = "throttle"    // throttle key → its TAT
	kvRateLimit   = "rate_limit"  // rate-limit key → its TAT
	kvIdempotency = "idempotency" // idempotency key → when it expires
	kvCron        = "cron"        // function ID and schedule → next tick
)

// batchState is a batch being filled.
type batchState struct {
	Function string    `json:"function_id"`
	Events   []string  `json:"event_ids"`
	At       time.Time `json:"at"`
}

// debounceState is a debounced event waiting for its period to end.
type debounceState struct {
	Function string    `json:"function_id"`
	Event    string    `json:"event_id"`
	First    time.Time `json:"first"`
	At       time.Time `json:"at"`
}

func timeValue(t time.Time) []byte {
	b, _ := t.MarshalJSON()
	return b
}

func jsonValue(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}
