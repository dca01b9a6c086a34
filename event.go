package inngest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/durablefn/inngest/internal/wire"
)

// Event is an event with data of type T. The zero ID and timestamp are
// filled in when the event is sent.
type Event[T any] struct {
	// ID is the event's unique ID; an event sent twice with the same ID
	// triggers functions once. Filled in on send when empty.
	ID string `json:"id,omitempty"`
	// Name is the event's name, such as "invoice/approved". Required.
	Name string `json:"name"`
	// Data is the event's payload. It must encode as a JSON object.
	Data T `json:"data"`
	// User holds optional data about the user the event relates to.
	User map[string]any `json:"user,omitempty"`
	// Timestamp is the time of the event in Unix milliseconds. Filled in
	// on send when zero.
	Timestamp int64 `json:"ts,omitempty"`
	// Version is an optional version of the event's schema.
	Version string `json:"v,omitempty"`
}

// GenericEvent is an event whose data is untyped JSON.
type GenericEvent = Event[map[string]any]

// Sendable is an event that Client.Send and step.SendEvent accept: any
// Event[T].
type Sendable interface {
	toWire() (wire.Event, error)
}

func (e Event[T]) toWire() (wire.Event, error) {
	if e.Name == "" {
		return wire.Event{}, errors.New("inngest: event has no name; every event needs a name such as \"app/user.created\"")
	}
	data, err := json.Marshal(e.Data)
	if err != nil {
		return wire.Event{}, fmt.Errorf("inngest: event %q: encoding data: %w", e.Name, err)
	}
	data, err = objectData(data)
	if err != nil {
		return wire.Event{}, fmt.Errorf("inngest: event %q: %w", e.Name, err)
	}
	w := wire.Event{ID: e.ID, Name: e.Name, Data: data, Timestamp: e.Timestamp, Version: e.Version}
	if len(e.User) > 0 {
		if w.User, err = json.Marshal(e.User); err != nil {
			return wire.Event{}, fmt.Errorf("inngest: event %q: encoding user: %w", e.Name, err)
		}
	}
	return w, nil
}

func objectData(data []byte) ([]byte, error) {
	t := bytes.TrimSpace(data)
	if wire.IsNull(t) {
		return []byte("{}"), nil
	}
	if t[0] != '{' {
		return nil, errors.New("event data must encode as a JSON object")
	}
	return data, nil
}

// EventType declares an event name together with the Go type of its data,
// once, so the compiler checks names and payloads wherever it is used: as a
// trigger, to build events to send, and in step.WaitForEvent.
//
//	var InvoiceApproved = inngest.EventType[InvoiceData]("invoice/approved")
type EventType[T any] string

// Name returns the event name.
func (e EventType[T]) Name() string { return string(e) }

// New builds an event of this type with the given data.
func (e EventType[T]) New(data T) Event[T] {
	return Event[T]{Name: string(e), Data: data}
}

// Trigger returns a trigger on this event type.
func (e EventType[T]) Trigger() Trigger[T] {
	return Trigger[T]{list: []wire.Trigger{{Event: string(e)}}}
}

// If returns a trigger on this event type that fires only when the CEL
// expression holds, with the incoming event as `event`.
func (e EventType[T]) If(expression string) Trigger[T] {
	return Trigger[T]{list: []wire.Trigger{{Event: string(e), Expression: &expression}}}
}

// decodeEvent decodes a raw event into Event[T], as json.Unmarshal would:
// the envelope of an event in the plain form servers send is read by hand,
// and only data and user go through encoding/json.
func decodeEvent[T any](raw json.RawMessage) (Event[T], error) {
	var ev Event[T]
	if len(raw) == 0 {
		return ev, errors.New("missing event")
	}
	var w wire.Event
	if wire.DecodePlainEvent(raw, &w) {
		ev.ID, ev.Name, ev.Timestamp, ev.Version = w.ID, w.Name, w.Timestamp, w.Version
		if decodeRaw(w.Data, &ev.Data) == nil && decodeUser(w.User, &ev.User) == nil {
			return ev, nil
		}
		// Decode again for encoding/json's error, which names the field.
		ev = Event[T]{}
	}
	if err := json.Unmarshal(raw, &ev); err != nil {
		return ev, err
	}
	return ev, nil
}

// decodeUser decodes the user member; the empty object servers send for
// an event without one skips encoding/json.
func decodeUser(raw json.RawMessage, user *map[string]any) error {
	if string(raw) == "{}" {
		*user = map[string]any{}
		return nil
	}
	return decodeRaw(raw, user)
}

// decodeRaw decodes a member read by wire.DecodePlainEvent into v; an
// absent member leaves v as it is.
func decodeRaw(raw json.RawMessage, v any) error {
	if raw == nil {
		return nil
	}
	return json.Unmarshal(raw, v)
}
