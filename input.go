package inngest

import (
	"encoding/json"
	"log/slog"
)

// Input is what a function receives for each call.
type Input[T any] struct {
	// Event is the triggering event (the first of a batch).
	Event Event[T]
	// Events holds every event of a batch; one event otherwise.
	Events []Event[T]
	// RunID identifies this run.
	RunID string
	// Attempt counts retries of the current step or body, from 0.
	Attempt int
	// Logger is tagged with the function, run and attempt, and with
	// step_id while a step's code runs (loggers derived from it with With
	// or WithGroup too); it stays silent while memoized code is replayed,
	// so each line appears once per run. It is the logger [Logger](ctx)
	// returns.
	Logger *slog.Logger
}

// FailureData is the data of an inngest/function.failed event.
type FailureData struct {
	// FunctionID is the failed function's full ID ("<app>-<function>").
	FunctionID string `json:"function_id"`
	// RunID identifies the failed run.
	RunID string `json:"run_id"`
	// Error is the error that failed the run.
	Error FailureError `json:"error"`
	// Event is the event that started the failed run.
	Event json.RawMessage `json:"event"`
}

// FailureError is the error that failed a run.
type FailureError struct {
	// Name is the error's type name.
	Name string `json:"name"`
	// Message is the error's message.
	Message string `json:"message"`
	// Stack is the stack trace, when the SDK sent one.
	Stack string `json:"stack,omitempty"`
}

// FailureInput is what an OnFailure handler receives.
type FailureInput struct {
	Input[FailureData]
	// Error is the error that failed the run: a *StepError (errors.As
	// reaches it) holding the run's final error, whether a step or the
	// function body raised it.
	Error error
	// OriginalEvent is the event that started the failed run.
	OriginalEvent GenericEvent
}
