package schema

import inngest "github.com/durablefn/inngest"

// The TypeScript SDK derives types from values (GetEvents, GetFunctionInput,
// GetFunctionOutput). Go has no type-level functions, so the types are
// named where they are declared, and these helpers recover them from a
// value by inference, which is enough to declare a variable of the right
// type without spelling it.

// InputOf returns a zero Input of fn's event data type: the Go counterpart
// of GetFunctionInput<typeof fn>. Use it to build inputs in tests:
//
//	in := schema.InputOf(fn) // inngest.Input[InvoiceData]
//	in.Event.Data.Amount = 10
func InputOf[T, R any](fn *inngest.Function[T, R]) inngest.Input[T] {
	return inngest.Input[T]{}
}

// OutputOf returns a zero result of fn's result type: the counterpart of
// GetFunctionOutput<typeof fn>, such as to decode a run's output:
//
//	out := schema.OutputOf(fn)
//	err := json.Unmarshal(raw, &out)
func OutputOf[T, R any](fn *inngest.Function[T, R]) R {
	var zero R
	return zero
}

// DataOf returns a zero data value of an event type: the counterpart of
// GetEvents<typeof inngest>["name"]["data"].
func DataOf[T any](event inngest.EventType[T]) T {
	var zero T
	return zero
}
