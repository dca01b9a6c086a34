package inngest

import (
	"bytes"
	"encoding"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"

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

// toWire encodes e. Its errors carry no "inngest:" prefix: each caller
// adds its own context (Client.Send, step.SendEvent, inngesttest).
func (e Event[T]) toWire() (wire.Event, error) {
	if e.Name == "" {
		return wire.Event{}, errors.New("event has no name; every event needs a name such as \"app/user.created\"")
	}
	data, err := json.Marshal(e.Data)
	if err != nil {
		return wire.Event{}, fmt.Errorf("event %q: encoding data: %w", e.Name, err)
	}
	data, err = objectData(data)
	if err != nil {
		return wire.Event{}, fmt.Errorf("event %q: %w", e.Name, err)
	}
	w := wire.Event{ID: e.ID, Name: e.Name, Data: data, Timestamp: e.Timestamp, Version: e.Version}
	if len(e.User) > 0 {
		if w.User, err = json.Marshal(e.User); err != nil {
			return wire.Event{}, fmt.Errorf("event %q: encoding user: %w", e.Name, err)
		}
	}
	return w, nil
}

// encodeSendable encodes e, a Sendable, for the packages that cannot name
// Sendable's method (app.App.Encode).
func encodeSendable(e any) (wire.Event, error) {
	s, ok := e.(Sendable)
	if !ok {
		return wire.Event{}, fmt.Errorf("%T is not an event", e)
	}
	return s.toWire()
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

// NewMany builds one event of this type per element of data, in order,
// to send together, as a fan-out does:
//
//	ids, err := step.SendEvent(ctx, "fan-out", DigestDue.NewMany(users)...)
//
// Each event starts its own runs of the functions it triggers.
func (e EventType[T]) NewMany(data []T) []Sendable {
	out := make([]Sendable, len(data))
	for i, d := range data {
		out[i] = e.New(d)
	}
	return out
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

func (e EventType[T]) dataType() reflect.Type { return reflect.TypeFor[T]() }

// DeclaredEvent is an event name declared together with the Go type of its
// data: an EventType. Options that name an event accept one (such as
// CancelOn.Type) so that the SDK can check field paths against the data
// type. Only EventType implements it.
type DeclaredEvent interface {
	// Name returns the event name.
	Name() string
	dataType() reflect.Type
}

var _ DeclaredEvent = EventType[struct{}]("")

// MatchExpressionFor returns the CEL expression that a Match field path
// stands for in a wait for an event of type async: "data.invoiceId"
// becomes "event.data.invoiceId == async.data.invoiceId". The path must
// start with a member of an event ("data.", "user.", "id", "name", "ts"
// or "v") and be a JSON field of async's data type where that is a
// struct; maps and interfaces allow anything below them.
// step.WaitForEvent uses it for WaitOpts.Match.
func MatchExpressionFor[T any](async EventType[T], field string) (string, error) {
	p, err := parseMatch(field)
	if err != nil {
		return "", err
	}
	if err := p.check(async.dataType(), "the awaited event"); err != nil {
		return "", err
	}
	return p.expr(), nil
}

// matchPath is a Match field path that names a member of an event.
type matchPath struct {
	field string    // as written
	segs  []pathSeg // without a leading "event."
}

// pathSeg is one dotted segment of a field path: a name and the list
// indexes after it ("items[0]").
type pathSeg struct {
	name    string
	indexes int
	text    string
}

// eventMembers are the members of an event a Match path may start with;
// only data and user have members of their own.
var eventMembers = []string{"data", "user", "id", "name", "ts", "v"}

// parseMatch checks that field is a field path into an event: dotted
// identifiers, each optionally indexed ("data.items[0].sku"), starting
// with a member of the event.
func parseMatch(field string) (matchPath, error) {
	p := matchPath{field: field}
	notPath := fmt.Errorf("match path %q is not a field path such as \"data.userId\"; write other conditions in If", field)
	rest := strings.TrimPrefix(field, "event.")
	if rest == "" {
		return p, notPath
	}
	for _, text := range strings.Split(rest, ".") {
		seg, ok := parseSeg(text)
		if !ok {
			return p, notPath
		}
		p.segs = append(p.segs, seg)
	}
	first := p.segs[0]
	if !slices.Contains(eventMembers, first.name) {
		return p, fmt.Errorf("match path %q must start with \"data.\", \"user.\", \"id\", \"name\", \"ts\" or \"v\"; did you mean \"data.%s\"?", field, rest)
	}
	if first.indexes > 0 {
		return p, fmt.Errorf("match path %q: %s is an object, not a list", field, first.name)
	}
	if len(p.segs) > 1 && first.name != "data" && first.name != "user" {
		kind := map[string]string{"id": "ID, a string", "name": "name, a string", "ts": "timestamp, a number", "v": "version, a string"}[first.name]
		return p, fmt.Errorf("match path %q: %s is the event's %s, not an object", field, first.name, kind)
	}
	return p, nil
}

// parseSeg parses "name" or "name[0][1]", name being a CEL identifier.
func parseSeg(text string) (pathSeg, bool) {
	seg := pathSeg{text: text}
	name, idx, _ := strings.Cut(text, "[")
	if !isIdent(name) {
		return seg, false
	}
	seg.name = name
	if idx == "" && !strings.Contains(text, "[") {
		return seg, true
	}
	for _, part := range strings.Split("["+idx, "]") {
		if part == "" {
			continue
		}
		digits, ok := strings.CutPrefix(part, "[")
		if !ok || digits == "" || strings.Trim(digits, "0123456789") != "" {
			return seg, false
		}
		seg.indexes++
	}
	return seg, strings.HasSuffix(text, "]")
}

func isIdent(s string) bool {
	for i, r := range s {
		switch {
		case r == '_', 'a' <= r && r <= 'z', 'A' <= r && r <= 'Z':
		case '0' <= r && r <= '9' && i > 0:
		default:
			return false
		}
	}
	return s != ""
}

// expr returns the CEL expression the path stands for.
func (p matchPath) expr() string {
	m := strings.TrimPrefix(p.field, "event.")
	return "event." + m + " == async." + m
}

var (
	jsonMarshaler = reflect.TypeFor[json.Marshaler]()
	textMarshaler = reflect.TypeFor[encoding.TextMarshaler]()
)

// check checks a path into data against data's Go type: each name must
// be a JSON field of a struct, each index must apply to a list. Maps,
// interfaces and types that encode themselves allow anything below them.
// which names the event for errors ("the triggering event").
func (p matchPath) check(data reflect.Type, which string) error {
	if data == nil || len(p.segs) < 2 || p.segs[0].name != "data" {
		return nil
	}
	t, at := data, "data"
	for i, seg := range p.segs[1:] {
		t = deref(t)
		if opaque(t) {
			return nil
		}
		if t.Kind() != reflect.Struct {
			return fmt.Errorf("match path %q: %s of %s (%v) is not an object", p.field, at, which, t)
		}
		fields := jsonFields(t)
		ft, ok := fields[seg.name]
		if !ok {
			msg := fmt.Sprintf("match path %q: %s of %s (%v) has no JSON field %q", p.field, at, which, t, seg.name)
			for _, name := range slices.Sorted(maps.Keys(fields)) {
				if strings.EqualFold(name, seg.name) || fieldNamed(t, seg.name, name) {
					msg += fmt.Sprintf("; did you mean %q?", p.renamed(i+1, name))
					break
				}
			}
			return errors.New(msg)
		}
		t, at = ft, at+"."+seg.name
		for range seg.indexes {
			t = deref(t)
			if opaque(t) {
				return nil
			}
			if (t.Kind() != reflect.Slice && t.Kind() != reflect.Array) || t.Elem().Kind() == reflect.Uint8 {
				return fmt.Errorf("match path %q: %s of %s (%v) is not a list", p.field, at, which, t)
			}
			t = t.Elem()
		}
		at = strings.TrimSuffix(at, seg.name) + seg.text
	}
	return nil
}

func deref(t reflect.Type) reflect.Type {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t
}

// renamed returns the path as written with segment i named name.
func (p matchPath) renamed(i int, name string) string {
	texts := make([]string, len(p.segs))
	for j, seg := range p.segs {
		texts[j] = seg.text
	}
	texts[i] = name + p.segs[i].text[len(p.segs[i].name):]
	out := strings.Join(texts, ".")
	if strings.HasPrefix(p.field, "event.") {
		out = "event." + out
	}
	return out
}

// fieldNamed reports whether the Go field of t that encodes as jsonName is
// called goName: a path that used the Go name of a tagged field.
func fieldNamed(t reflect.Type, goName, jsonName string) bool {
	f, ok := t.FieldByName(goName)
	if !ok {
		return false
	}
	name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
	return name == jsonName
}

// opaque reports whether a path may go anywhere below a value of type t:
// maps and interfaces hold any keys, and a type that encodes itself has
// a shape the SDK cannot see.
func opaque(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Map, reflect.Interface:
		return true
	}
	for _, m := range []reflect.Type{jsonMarshaler, textMarshaler} {
		if t.Implements(m) || reflect.PointerTo(t).Implements(m) {
			return true
		}
	}
	return false
}

// jsonFields returns the JSON field names of struct type t and their
// types, as encoding/json names them: the json tag's name or the Go name,
// without "-" and unexported fields, with the fields of embedded structs
// promoted unless a shallower field has their name.
func jsonFields(t reflect.Type) map[string]reflect.Type {
	out := make(map[string]reflect.Type)
	level := []reflect.Type{t}
	seen := map[reflect.Type]bool{t: true}
	for len(level) > 0 {
		var next []reflect.Type
		found := make(map[string]reflect.Type)
		for _, st := range level {
			for i := 0; i < st.NumField(); i++ {
				f := st.Field(i)
				tag := f.Tag.Get("json")
				if tag == "-" {
					continue
				}
				name, _, _ := strings.Cut(tag, ",")
				ft := f.Type
				if f.Anonymous {
					et := deref(ft)
					if !f.IsExported() && et.Kind() != reflect.Struct {
						continue
					}
					if name == "" && et.Kind() == reflect.Struct {
						if !seen[et] {
							seen[et] = true
							next = append(next, et)
						}
						continue
					}
				} else if !f.IsExported() {
					continue
				}
				if name == "" {
					name = f.Name
				}
				if _, shallower := out[name]; !shallower {
					found[name] = ft
				}
			}
		}
		for name, ft := range found {
			out[name] = ft
		}
		level = next
	}
	return out
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
