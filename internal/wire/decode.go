package wire

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"unicode/utf8"
)

// DecodeCallRequest decodes a call request body in one pass: event, events
// and memoized steps are sliced out of it without copying (so body must
// not be modified afterwards), and ctx is decoded by hand in its plain form (plain.go).
// The structure is checked here; the contents of each raw value are
// validated by whoever decodes it (the event by the function, a memoized
// result by its step), so a value nobody reads costs one skim. That is
// about half the cost of decoding into maps of raw messages. On any error
// the body is decoded with encoding/json for its precise message.
func DecodeCallRequest(body []byte, req *CallRequest) error {
	if err := decodeFast(body, req); err != nil {
		*req = CallRequest{}
		if jerr := json.Unmarshal(body, req); jerr != nil {
			return jerr
		}
		return err
	}
	return nil
}

var errSyntax = errors.New("malformed JSON")

func decodeFast(b []byte, req *CallRequest) error {
	if i := skipWS(b, 0); i >= len(b) || b[i] != '{' {
		return errors.New("call request is not a JSON object")
	}
	return eachMember(b, func(rawKey, val []byte) error {
		field, plain := callField(rawKey)
		if !plain {
			// A key with escapes, or in another case: resolve it as
			// encoding/json would.
			key, err := keyString(rawKey)
			if err != nil {
				return err
			}
			field = canonicalKey(key)
		}
		switch field {
		case "event":
			req.Event = json.RawMessage(val)
		case "events":
			events, err := splitArray(val)
			if err != nil {
				return err
			}
			req.Events = events
		case "steps":
			steps, err := splitObject(val)
			if err != nil {
				return err
			}
			if req.Steps == nil || steps == nil {
				req.Steps = steps
			} else {
				// A repeated key merges, as encoding/json does.
				for k, v := range steps {
					req.Steps[k] = v
				}
			}
		case "ctx":
			return decodeCtx(val, &req.Ctx)
		case "version":
			if !IsNull(val) {
				n, err := strconv.Atoi(string(val))
				if err != nil {
					return errors.New("version is not an integer")
				}
				req.Version = n
			}
		case "use_api":
			req.UseAPI = string(val) == "true"
		}
		return nil
	})
}

// eachMember calls fn with the raw key (between its quotes, escapes
// untouched) and the raw value of each member of the JSON object that is
// the whole of b, in order. Only the structure is checked: each value's
// contents are checked by whoever decodes it.
func eachMember(b []byte, fn func(rawKey, val []byte) error) error {
	i := skipWS(b, 0)
	if i >= len(b) || b[i] != '{' {
		return errSyntax
	}
	i = skipWS(b, i+1)
	if i < len(b) && b[i] == '}' {
		return atEnd(b, i+1)
	}
	for {
		if i >= len(b) || b[i] != '"' {
			return errSyntax
		}
		keyEnd, err := skipString(b, i)
		if err != nil {
			return err
		}
		rawKey := b[i+1 : keyEnd-1]
		i = skipWS(b, keyEnd)
		if i >= len(b) || b[i] != ':' {
			return errSyntax
		}
		i = skipWS(b, i+1)
		end, err := skipValue(b, i)
		if err != nil {
			return err
		}
		if err := fn(rawKey, b[i:end:end]); err != nil {
			return err
		}
		next, done, err := afterItem(b, end, '}')
		if done || err != nil {
			return err
		}
		i = next
	}
}

// afterItem reads what follows an object member or an array element
// ending at i: a comma, after which it returns the next item's start, or
// closer, after which the value must end (done).
func afterItem(b []byte, i int, closer byte) (next int, done bool, err error) {
	i = skipWS(b, i)
	switch {
	case i >= len(b):
		return 0, false, errSyntax
	case b[i] == ',':
		return skipWS(b, i+1), false, nil
	case b[i] == closer:
		return i + 1, true, atEnd(b, i+1)
	}
	return 0, false, errSyntax
}

// eachElement calls fn with each element of the JSON array that is the
// whole of b, in order, checking only the structure.
func eachElement(b []byte, fn func(val []byte) error) error {
	i := skipWS(b, 0)
	if i >= len(b) || b[i] != '[' {
		return errSyntax
	}
	i = skipWS(b, i+1)
	if i < len(b) && b[i] == ']' {
		return atEnd(b, i+1)
	}
	for {
		end, err := skipValue(b, i)
		if err != nil {
			return err
		}
		if err := fn(b[i:end:end]); err != nil {
			return err
		}
		next, done, err := afterItem(b, end, ']')
		if done || err != nil {
			return err
		}
		i = next
	}
}

// atEnd fails if anything but white space follows b[i:].
func atEnd(b []byte, i int) error {
	if skipWS(b, i) != len(b) {
		return errSyntax
	}
	return nil
}

var callKeys = [...]string{"event", "events", "steps", "ctx", "version", "use_api"}

// callField maps a plain key (lower-case ASCII, no escapes, as servers
// write them) to the field it fills ("" to ignore it), without allocating.
// plain is false for other keys, which need encoding/json's unquoting and
// case folding.
func callField(raw []byte) (field string, plain bool) {
	for _, c := range raw {
		if c == '\\' || c >= utf8.RuneSelf || (c >= 'A' && c <= 'Z') {
			return "", false
		}
	}
	switch string(raw) {
	case "event":
		return "event", true
	case "events":
		return "events", true
	case "steps":
		return "steps", true
	case "ctx":
		return "ctx", true
	case "version":
		return "version", true
	case "use_api":
		return "use_api", true
	}
	return "", true
}

// canonicalKey maps a key to the field it fills, matching case-insensitively
// as encoding/json does.
func canonicalKey(key string) string {
	for _, k := range callKeys {
		if key == k {
			return k
		}
	}
	for _, k := range callKeys {
		if strings.EqualFold(key, k) {
			return k
		}
	}
	return ""
}

// splitArray returns the elements of a JSON array (or nil for null).
func splitArray(b []byte) ([]json.RawMessage, error) {
	if IsNull(b) {
		return nil, nil
	}
	if b[0] != '[' {
		return nil, errors.New("events is not an array")
	}
	out := []json.RawMessage{}
	err := eachElement(b, func(val []byte) error {
		out = append(out, json.RawMessage(val))
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// splitObject returns the members of a JSON object (or nil for null).
func splitObject(b []byte) (map[string]json.RawMessage, error) {
	if IsNull(b) {
		return nil, nil
	}
	if b[0] != '{' {
		return nil, errors.New("steps is not an object")
	}
	out := make(map[string]json.RawMessage, countMembers(b))
	err := eachMember(b, func(rawKey, val []byte) error {
		key, err := keyString(rawKey)
		if err != nil {
			return err
		}
		out[key] = json.RawMessage(val)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// countMembers estimates the members of an object by its top-level commas,
// to size the map once.
func countMembers(b []byte) int {
	n, _ := commasAtDepth(b, 1)
	return n + 1
}

func skipWS(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\n' || b[i] == '\r' || b[i] == '\t') {
		i++
	}
	return i
}

// keyString unquotes an object key given between its quotes. Keys with
// escapes or non-ASCII bytes are unquoted with encoding/json.
func keyString(raw []byte) (string, error) {
	for _, c := range raw {
		if c == '\\' || c >= utf8.RuneSelf {
			quoted := make([]byte, 0, len(raw)+2)
			quoted = append(append(append(quoted, '"'), raw...), '"')
			var s string
			if err := json.Unmarshal(quoted, &s); err != nil {
				return "", err
			}
			return s, nil
		}
	}
	return string(raw), nil
}

// skipString returns the index after the string starting at b[i].
func skipString(b []byte, i int) (int, error) {
	j := i + 1
	for j <= len(b) {
		k := bytes.IndexByte(b[j:], '"')
		if k < 0 {
			break
		}
		q := j + k
		// The quote ends the string unless an odd run of backslashes
		// escapes it.
		n := 0
		for p := q - 1; p > i && b[p] == '\\'; p-- {
			n++
		}
		if n%2 == 0 {
			return q + 1, nil
		}
		j = q + 1
	}
	return 0, errSyntax
}

// skipValue returns the index after the JSON value starting at b[i]. Only
// the extent is tracked; contents are validated when decoded.
func skipValue(b []byte, i int) (int, error) {
	if i >= len(b) {
		return 0, errSyntax
	}
	switch b[i] {
	case '"':
		return skipString(b, i)
	case '{', '[':
		depth := 0
		for j := i; j < len(b); j++ {
			switch b[j] {
			case '"':
				end, err := skipString(b, j)
				if err != nil {
					return 0, err
				}
				j = end - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return j + 1, nil
				}
			}
		}
		return 0, errSyntax
	default:
		j := i
	scan:
		for j < len(b) {
			switch b[j] {
			case ',', '}', ']', ' ', '\n', '\r', '\t':
				break scan
			}
			j++
		}
		if !validLiteral(b[i:j]) {
			return 0, errSyntax
		}
		return j, nil
	}
}

// validLiteral reports whether b is true, false, null or a JSON number.
func validLiteral(b []byte) bool {
	switch string(b) {
	case "true", "false", "null":
		return true
	}
	return validNumber(b)
}

// validNumber reports whether b is a JSON number:
// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func validNumber(b []byte) bool {
	i := 0
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && b[i] >= '1' && b[i] <= '9':
		i = digits(b, i+1)
	default:
		return false
	}
	if i < len(b) && b[i] == '.' {
		j := digits(b, i+1)
		if j == i+1 {
			return false
		}
		i = j
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		j := digits(b, i)
		if j == i {
			return false
		}
		i = j
	}
	return i == len(b)
}

func digits(b []byte, i int) int {
	for i < len(b) && b[i] >= '0' && b[i] <= '9' {
		i++
	}
	return i
}
