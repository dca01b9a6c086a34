package wire

import (
	"encoding/json"
	"errors"
	"strconv"
)

// The decoders in this file read the ctx object of a call request and an
// event envelope by hand, for the plain form servers write: lower-case
// keys without escapes, each once; strings without escapes or non-ASCII
// bytes; integers without fraction or exponent. Anything else returns
// errNotPlain and the caller decodes with encoding/json, so the result is
// always what encoding/json gives; these only make the common case cheap.

// errNotPlain means the value is valid JSON or not, but not in the plain
// form: decode it with encoding/json instead.
var errNotPlain = errors.New("not in the plain form")

// plainKey reports whether a key needs neither unquoting nor case folding:
// lower-case ASCII letters, digits and underscores.
func plainKey(k []byte) bool {
	if len(k) == 0 {
		return false
	}
	for _, c := range k {
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '_' {
			return false
		}
	}
	return true
}

// plainString sets *s from a JSON string without escapes or non-ASCII
// bytes; null leaves it as it is, as encoding/json does.
func plainString(v []byte, s *string) error {
	if string(v) == "null" {
		return nil
	}
	if len(v) < 2 || v[0] != '"' {
		return errNotPlain
	}
	raw := v[1 : len(v)-1]
	for _, c := range raw {
		if c == '\\' || c < 0x20 || c >= 0x80 {
			return errNotPlain
		}
	}
	*s = string(raw)
	return nil
}

// plainInt sets *n from a JSON integer of at most 18 digits; null leaves it
// as it is.
func plainInt[N int | int64](v []byte, n *N) error {
	if string(v) == "null" {
		return nil
	}
	d := v
	if len(d) > 0 && d[0] == '-' {
		d = d[1:]
	}
	if len(d) == 0 || len(d) > 18 || (d[0] == '0' && len(d) > 1) {
		return errNotPlain
	}
	for _, c := range d {
		if c < '0' || c > '9' {
			return errNotPlain
		}
	}
	x, err := strconv.ParseInt(string(v), 10, 64)
	if err != nil || int64(N(x)) != x {
		return errNotPlain
	}
	*n = N(x)
	return nil
}

// plainBool sets *b from true or false; null leaves it as it is.
func plainBool(v []byte, b *bool) error {
	switch string(v) {
	case "true":
		*b = true
	case "false":
		*b = false
	case "null":
	default:
		return errNotPlain
	}
	return nil
}

// seenKeys records which keys of an object were read. A repeated key has
// encoding/json's merge rules, which the plain form leaves to it.
type seenKeys uint32

// mark records key number k and passes err on, or fails if k was seen.
func (s *seenKeys) mark(k uint, err error) error {
	if *s&(1<<k) != 0 {
		return errNotPlain
	}
	*s |= 1 << k
	return err
}

// plainField is a member a plain object may have: its key, and where its
// value goes (a *string, *int, *int64, *bool, *[]string, *Stack or
// *json.RawMessage).
type plainField struct {
	key string
	dst any
}

// plainObject decodes the members of the JSON object b whose keys are
// among fields (at most 32) into their destinations, each key at most
// once, and skips the others.
func plainObject(b []byte, fields []plainField) error {
	var seen seenKeys
	next := 0
	return eachMember(b, func(key, v []byte) error {
		if !plainKey(key) {
			return errNotPlain
		}
		k := fieldIndex(fields, key, next)
		if k < 0 {
			return nil
		}
		next = k + 1
		return seen.mark(uint(k), plainValue(v, fields[k].dst))
	})
}

// fieldIndex returns the index of key in fields, or -1. It tries hint
// first: members in the order of fields, as encoding/json writes them, are
// found at once.
func fieldIndex(fields []plainField, key []byte, hint int) int {
	if hint < len(fields) && fields[hint].key == string(key) {
		return hint
	}
	for k := range fields {
		if fields[k].key == string(key) {
			return k
		}
	}
	return -1
}

// plainValue sets *dst from the plain JSON value v. A destination of
// another type is left to encoding/json.
func plainValue(v []byte, dst any) error {
	switch p := dst.(type) {
	case *string:
		return plainString(v, p)
	case *int:
		return plainInt(v, p)
	case *int64:
		return plainInt(v, p)
	case *bool:
		return plainBool(v, p)
	case *[]string:
		return plainStrings(v, p)
	case *Stack:
		return plainStack(v, p)
	case *json.RawMessage:
		// Kept as a json.RawMessage keeps it: null included.
		*p = json.RawMessage(v)
		return nil
	}
	return errNotPlain
}

// decodeCtx decodes the ctx object of a call request into c, as
// json.Unmarshal(b, c) would.
func decodeCtx(b []byte, c *CallCtx) error {
	saved := *c
	if err := plainCtx(b, c); err != nil {
		*c = saved
		return json.Unmarshal(b, c)
	}
	return nil
}

func plainCtx(b []byte, c *CallCtx) error {
	if string(b) == "null" {
		return nil
	}
	return plainObject(b, []plainField{
		{"fn_id", &c.FnID},
		{"run_id", &c.RunID},
		{"env", &c.Env},
		{"step_id", &c.StepID},
		{"attempt", &c.Attempt},
		{"max_attempts", &c.MaxAttempts},
		{"stack", &c.Stack},
		{"disable_immediate_execution", &c.DisableImmediateExecution},
		{"use_api", &c.UseAPI},
		{"qi_id", &c.QueueItemRef},
	})
}

func plainStack(b []byte, s *Stack) error {
	if string(b) == "null" {
		return nil
	}
	return plainObject(b, []plainField{
		{"stack", &s.Stack},
		{"current", &s.Current},
	})
}

// plainStrings sets *out from an array of plain strings, or to nil for
// null. It declines to decode into a slice that already has elements,
// whose reuse encoding/json handles in its own way.
func plainStrings(b []byte, out *[]string) error {
	if string(b) == "null" {
		*out = nil
		return nil
	}
	if *out != nil {
		return errNotPlain
	}
	// Room for as many step hashes (40 hex digits) as fit.
	list := make([]string, 0, len(b)/43+1)
	err := eachElement(b, func(val []byte) error {
		var s string
		if val[0] != '"' {
			return errNotPlain
		}
		if err := plainString(val, &s); err != nil {
			return err
		}
		list = append(list, s)
		return nil
	})
	if err != nil {
		return errNotPlain
	}
	*out = list
	return nil
}

// DecodePlainEvent decodes an event in the plain form into e, leaving data
// and user raw and unread, and reports whether it could. When it could not
// (the event may still be valid JSON), e is in an unspecified state:
// decode the event with encoding/json instead.
func DecodePlainEvent(b []byte, e *Event) bool { return plainEvent(b, e) == nil }

func plainEvent(b []byte, e *Event) error {
	return plainObject(b, []plainField{
		{"id", &e.ID},
		{"name", &e.Name},
		{"data", &e.Data},
		{"user", &e.User},
		{"ts", &e.Timestamp},
		{"v", &e.Version},
	})
}
