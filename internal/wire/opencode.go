package wire

import (
	"encoding/json"
	"strconv"
)

// AppendOps appends ops as a JSON array, byte for byte what json.Marshal
// writes for them, to dst. A discovery answer reports one planned op per
// parallel step, all of plain ASCII IDs and names with no data, and
// encoding them by hand costs a fraction of encoding/json's reflection;
// an op with data, an error, or text that JSON escapes goes through
// encoding/json. Its error is that of json.Marshal.
func AppendOps(dst []byte, ops []Op) ([]byte, error) {
	dst = append(dst, '[')
	for i := range ops {
		if i > 0 {
			dst = append(dst, ',')
		}
		op := &ops[i]
		if !plainOp(op) {
			b, err := json.Marshal(op)
			if err != nil {
				return dst, err
			}
			dst = append(dst, b...)
			continue
		}
		dst = append(dst, `{"id":"`...)
		dst = append(dst, op.ID...)
		dst = append(dst, `","op":"`...)
		dst = append(dst, op.Op...)
		dst = append(dst, '"')
		if op.Name != "" {
			dst = append(dst, `,"name":"`...)
			dst = append(dst, op.Name...)
			dst = append(dst, '"')
		}
		if op.DisplayName != "" {
			dst = append(dst, `,"displayName":"`...)
			dst = append(dst, op.DisplayName...)
			dst = append(dst, '"')
		}
		if len(op.Opts) > 0 {
			dst = append(dst, `,"opts":`...)
			dst = append(dst, op.Opts...)
		}
		dst = append(dst, `,"data":null`...)
		if u := op.Userland; u != nil {
			dst = append(dst, `,"userland":{"id":"`...)
			dst = append(dst, u.ID...)
			dst = append(dst, '"')
			if u.Index != 0 {
				dst = append(dst, `,"index":`...)
				dst = strconv.AppendInt(dst, int64(u.Index), 10)
			}
			dst = append(dst, '}')
		}
		dst = append(dst, '}')
	}
	return append(dst, ']'), nil
}

// plainOp reports whether op can be written by hand: no data or error,
// strings that JSON writes as they are, and opts already compact.
func plainOp(op *Op) bool {
	if len(op.Data) > 0 || op.Error != nil {
		return false
	}
	// The name usually doubles as display name and user ID: check it once.
	if !asIsString(op.ID) || !asIsString(string(op.Op)) || !asIsString(op.Name) ||
		(op.DisplayName != op.Name && !asIsString(op.DisplayName)) {
		return false
	}
	if op.Userland != nil && op.Userland.ID != op.Name && !asIsString(op.Userland.ID) {
		return false
	}
	return len(op.Opts) == 0 || compactJSON(op.Opts)
}

// asIsString reports whether encoding/json writes s unchanged between
// quotes: printable ASCII without '"', '\\' or the HTML characters it
// escapes.
func asIsString(s string) bool {
	for i := 0; i < len(s); i++ {
		if !asIs[s[i]] {
			return false
		}
	}
	return true
}

// asIs marks the bytes encoding/json writes unchanged inside a string.
var asIs = func() (t [256]bool) {
	for c := 0x20; c < 0x7f; c++ {
		t[c] = c != '"' && c != '\\' && c != '<' && c != '>' && c != '&'
	}
	return t
}()

// compactJSON reports whether raw, valid JSON, is as encoding/json would
// write it: no whitespace outside strings, and nothing it escapes inside
// them (HTML characters, non-ASCII for U+2028 and U+2029). Only opts this
// package's users build are checked, all from json.Marshal or constants;
// anything else goes through encoding/json, which validates.
func compactJSON(raw json.RawMessage) bool {
	if raw[0] != '{' || raw[len(raw)-1] != '}' {
		return false
	}
	inString := false
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		switch {
		case c < 0x20, c >= 0x7f, c == '<', c == '>', c == '&':
			return false
		case inString && c == '\\':
			i++
		case c == '"':
			inString = !inString
		case !inString && c == ' ':
			return false
		}
	}
	return !inString
}
