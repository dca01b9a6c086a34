package schema

import (
	"fmt"
	"strings"
)

// FieldError is one reason an event's data failed its schema.
type FieldError struct {
	// Field is the path of the failing value from the event's root, such
	// as "data.customer.email" or "data.items[2].sku"; "data" for the data
	// object itself.
	Field string
	// Message says why, such as "is required" or "must be an email
	// address".
	Message string
}

func (f FieldError) String() string { return f.Field + ": " + f.Message }

// ValidationError is an event whose data does not match its schema. It
// lists every failing field, in the order of the schema's properties.
type ValidationError struct {
	// Event is the event's name.
	Event string
	// Fields are the failures, at least one.
	Fields []FieldError
}

func (e *ValidationError) Error() string {
	parts := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		parts[i] = f.String()
	}
	return fmt.Sprintf("inngest: event %q does not match its schema: %s", e.Event, strings.Join(parts, "; "))
}
