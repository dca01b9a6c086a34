package schema

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"sync"

	"github.com/invopop/jsonschema"

	inngest "github.com/durablefn/inngest"
)

// Registry holds the event types of an app: each event's name, the JSON
// Schema of its data, and that schema compiled for validation. Declare each
// event type once, with Add, at start-up. The zero value is an empty
// registry ready to use; a Registry is safe for concurrent use.
type Registry struct {
	// AllowAdditionalProperties lets event data carry object fields that
	// its Go type does not declare. Default false: an unknown field fails
	// validation, which catches misspelt fields; set it to true when other
	// services may add fields before this app knows them. It applies to
	// the events added after it is set.
	AllowAdditionalProperties bool

	mu     sync.RWMutex
	events map[string]*entry
}

type entry struct {
	goType reflect.Type // nil for schemas added with AddJSON
	raw    json.RawMessage
	root   *node
}

// Add declares an event type in r: its JSON Schema is generated from T, its
// fields' json tags (a field without omitempty is required) and their
// jsonschema tags, as github.com/invopop/jsonschema reads them:
//
//	type InvoiceData struct {
//		InvoiceID string  `json:"invoiceId" jsonschema:"format=uuid"`
//		Email     string  `json:"email" jsonschema:"format=email,description=Who gets the receipt"`
//		Amount    float64 `json:"amount" jsonschema:"minimum=0.01"`
//		Currency  string  `json:"currency" jsonschema:"enum=EUR,enum=USD"`
//		Note      string  `json:"note,omitempty" jsonschema:"maxLength=200"`
//	}
//	var InvoiceApproved = inngest.EventType[InvoiceData]("invoice/approved")
//
//	schema.Add(reg, InvoiceApproved)
//
// A jsonschema tag that invopop/jsonschema would skip or misread (an
// unknown key, a key for another JSON type, an unparsable value, a format
// the validator does not check) is an error naming the type, the field
// and the tag. Adding the same event type twice is a no-op; adding a name
// again with a different data type is an error.
func Add[T any](r *Registry, event inngest.EventType[T]) (err error) {
	name := event.Name()
	if name == "" {
		return fmt.Errorf("inngest: schema.Add needs an event type with a name, such as inngest.EventType[%s](\"app/thing.happened\")", typeName[T]())
	}
	t := reflect.TypeFor[T]()
	r.mu.RLock()
	prev := r.events[name]
	r.mu.RUnlock()
	if prev != nil {
		if prev.goType == t {
			return nil
		}
		return fmt.Errorf("inngest: event %q is already declared with data type %v; each event name has one data type", name, describeType(prev.goType))
	}
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("inngest: event %q: cannot generate a JSON Schema for %v: %v", name, t, p)
		}
	}()
	if err := checkTags(t); err != nil {
		return fmt.Errorf("inngest: event %q: %w", name, err)
	}
	reflector := &jsonschema.Reflector{
		ExpandedStruct:            true,
		Anonymous:                 true,
		AllowAdditionalProperties: r.AllowAdditionalProperties,
	}
	s := reflector.ReflectFromType(t)
	if refersTo(s, "#/$defs/"+t.Name()) {
		// A recursive type refers to itself: keep its definition.
		reflector.ExpandedStruct = false
		s = reflector.ReflectFromType(t)
	}
	if s.Title == "" {
		s.Title = name
	}
	if len(s.Definitions) == 0 {
		s.Definitions = nil
	}
	raw, err := json.Marshal(s)
	if err != nil {
		return fmt.Errorf("inngest: event %q: encoding its JSON Schema: %w", name, err)
	}
	return r.add(name, t, raw)
}

// AddJSON declares an event by name with a JSON Schema for its data, for
// events this app receives but has no Go type for (declared by another
// service, say). The schema may use the keywords listed in the package
// documentation; references must point into its own $defs.
func (r *Registry) AddJSON(name string, schema []byte) error {
	if name == "" {
		return fmt.Errorf("inngest: Registry.AddJSON needs an event name")
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, schema); err != nil {
		return fmt.Errorf("inngest: event %q: the schema is not valid JSON: %w", name, err)
	}
	r.mu.RLock()
	prev := r.events[name]
	r.mu.RUnlock()
	if prev != nil {
		if prev.goType == nil && bytes.Equal(prev.raw, compact.Bytes()) {
			return nil
		}
		return fmt.Errorf("inngest: event %q is already declared with another schema", name)
	}
	return r.add(name, nil, compact.Bytes())
}

func (r *Registry) add(name string, t reflect.Type, raw []byte) error {
	root, err := compile(raw)
	if err != nil {
		return fmt.Errorf("inngest: event %q: the schema cannot be used for validation: %w", name, err)
	}
	if err := root.checkRefs(); err != nil {
		return fmt.Errorf("inngest: event %q: %w", name, err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.events == nil {
		r.events = make(map[string]*entry)
	}
	if prev, dup := r.events[name]; dup {
		if prev.goType == t && bytes.Equal(prev.raw, raw) {
			return nil
		}
		return fmt.Errorf("inngest: event %q is already declared with data type %v; each event name has one data type", name, describeType(prev.goType))
	}
	r.events[name] = &entry{goType: t, raw: raw, root: root}
	return nil
}

// Names returns the names of the declared events, sorted.
func (r *Registry) Names() []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return slices.Sorted(maps.Keys(r.events))
}

// Has reports whether an event named name is declared.
func (r *Registry) Has(name string) bool {
	r.mu.RLock()
	defer r.mu.RUnlock()
	_, ok := r.events[name]
	return ok
}

// Schema returns the JSON Schema of the data of the event named name, as
// compact JSON, and whether the event is declared.
func (r *Registry) Schema(name string) (json.RawMessage, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	e, ok := r.events[name]
	if !ok {
		return nil, false
	}
	return append(json.RawMessage(nil), e.raw...), true
}

// Validate checks an event's data (its raw JSON) against the schema of its
// name. It returns nil when the data matches or when no event of that name
// is declared (use Has to tell), and a *ValidationError naming every
// failing field otherwise. Absent or null data counts as {}, as it does
// when the event is sent.
func (r *Registry) Validate(name string, data json.RawMessage) error {
	r.mu.RLock()
	e := r.events[name]
	r.mu.RUnlock()
	if e == nil {
		return nil
	}
	if len(bytes.TrimSpace(data)) == 0 {
		data = json.RawMessage("{}")
	}
	v, err := decodeValue(data)
	if err != nil {
		return &ValidationError{Event: name, Fields: []FieldError{{Field: "data", Message: "is not valid JSON: " + err.Error()}}}
	}
	if v == nil {
		v = map[string]any{}
	}
	if errs := validate(e.root, v, "data"); len(errs) > 0 {
		return &ValidationError{Event: name, Fields: errs}
	}
	return nil
}

// ValidateEvent checks a typed event, such as one about to be sent, against
// the schema of its name: the checks a Go type cannot express (formats,
// ranges, enums, required strings). It returns what Validate returns.
func ValidateEvent[T any](r *Registry, event inngest.Event[T]) error {
	data, err := json.Marshal(event.Data)
	if err != nil {
		return fmt.Errorf("inngest: event %q: encoding data: %w", event.Name, err)
	}
	return r.Validate(event.Name, data)
}

// Document is the exported form of a registry: every event's data schema
// by event name. Each schema is a complete JSON Schema (2020-12) document
// with its own $defs, so a consumer can validate one event with any
// JSON Schema validator, or render all of them as documentation.
type Document struct {
	// Events maps event names to the JSON Schemas of their data.
	Events map[string]json.RawMessage `json:"events"`
}

// Document returns the registry's schemas for export.
func (r *Registry) Document() Document {
	r.mu.RLock()
	defer r.mu.RUnlock()
	d := Document{Events: make(map[string]json.RawMessage, len(r.events))}
	for name, e := range r.events {
		d.Events[name] = append(json.RawMessage(nil), e.raw...)
	}
	return d
}

// MarshalJSON encodes the registry as its Document, so json.Marshal(reg)
// or json.MarshalIndent(reg, "", "  ") exports the app's schemas.
func (r *Registry) MarshalJSON() ([]byte, error) {
	return json.Marshal(r.Document())
}

// refersTo reports whether s has a reference to ref anywhere.
func refersTo(s *jsonschema.Schema, ref string) bool {
	raw, err := json.Marshal(s)
	return err == nil && bytes.Contains(raw, []byte(`"$ref":"`+ref+`"`))
}

func typeName[T any]() string {
	return describeType(reflect.TypeFor[T]())
}

func describeType(t reflect.Type) string {
	if t == nil {
		return "a JSON schema"
	}
	return t.String()
}
