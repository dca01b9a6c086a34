package schema

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/big"
	"net/mail"
	"net/netip"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// maxDepth bounds $ref recursion and nesting, so a hostile document or a
// self-referencing schema cannot exhaust the stack.
const maxDepth = 64

type validator struct {
	root  *node
	errs  []FieldError
	depth int
}

// validate checks v against n and returns the failures, with paths under
// prefix.
func validate(root *node, v any, prefix string) []FieldError {
	vr := &validator{root: root}
	vr.check(root, v, prefix)
	return vr.errs
}

func (vr *validator) fail(path, format string, args ...any) {
	vr.errs = append(vr.errs, FieldError{Field: path, Message: fmt.Sprintf(format, args...)})
}

// valid reports whether v matches n, without recording failures.
func (vr *validator) valid(n *node, v any, path string) bool {
	sub := &validator{root: vr.root, depth: vr.depth}
	sub.check(n, v, path)
	return len(sub.errs) == 0
}

func (vr *validator) check(n *node, v any, path string) {
	if n == nil {
		return
	}
	if n.always != nil {
		if !*n.always {
			vr.fail(path, "is not allowed")
		}
		return
	}
	vr.depth++
	defer func() { vr.depth-- }()
	if vr.depth > maxDepth {
		vr.fail(path, "is nested too deeply to validate")
		return
	}
	if n.ref != "" {
		target, err := vr.root.resolve(n.ref)
		if err != nil {
			vr.fail(path, "%v", err)
			return
		}
		vr.check(target, v, path)
	}
	if len(n.types) > 0 && !matchesAnyType(n.types, v) {
		vr.fail(path, "must be %s, got %s", joinOr(n.types, article), describe(v))
		return
	}
	if n.constant != nil && !equal(*n.constant, v) {
		vr.fail(path, "must be %s", show(*n.constant))
	}
	vr.checkEnum(n, v, path)
	switch x := v.(type) {
	case map[string]any:
		vr.checkObject(n, x, path)
	case []any:
		vr.checkArray(n, x, path)
	case string:
		vr.checkString(n, x, path)
	case json.Number:
		vr.checkNumber(n, x, path)
	}
	vr.checkCombinators(n, v, path)
}

// checkEnum checks v against n's enum, if any.
func (vr *validator) checkEnum(n *node, v any, path string) {
	if len(n.enum) == 0 {
		return
	}
	for _, e := range n.enum {
		if equal(e, v) {
			return
		}
	}
	vals := make([]string, len(n.enum))
	for i, e := range n.enum {
		vals[i] = show(e)
	}
	vr.fail(path, "must be one of %s, got %s", strings.Join(vals, ", "), show(v))
}

// checkCombinators checks v against n's allOf, anyOf, oneOf and not.
func (vr *validator) checkCombinators(n *node, v any, path string) {
	for _, s := range n.allOf {
		vr.check(s, v, path)
	}
	if len(n.anyOf) > 0 {
		ok := false
		for _, s := range n.anyOf {
			if vr.valid(s, v, path) {
				ok = true
				break
			}
		}
		if !ok {
			vr.explainAlternatives(n.anyOf, v, path)
		}
	}
	if len(n.oneOf) > 0 {
		matched := 0
		for _, s := range n.oneOf {
			if vr.valid(s, v, path) {
				matched++
			}
		}
		switch {
		case matched == 0:
			vr.explainAlternatives(n.oneOf, v, path)
		case matched > 1:
			vr.fail(path, "matches %d alternatives, but must match exactly one", matched)
		}
	}
	if n.not != nil && vr.valid(n.not, v, path) {
		vr.fail(path, "matches a schema it must not match")
	}
}

// explainAlternatives reports why no alternative matched. When exactly one
// alternative accepts the value's JSON type (as for a nullable field,
// oneOf [T, null]), its own failures are the useful explanation.
func (vr *validator) explainAlternatives(alts []*node, v any, path string) {
	var typed []*node
	for _, s := range alts {
		if vr.acceptsType(s, v, 0) {
			typed = append(typed, s)
		}
	}
	if len(typed) == 1 {
		vr.check(typed[0], v, path)
		return
	}
	vr.fail(path, "matches none of the %d allowed alternatives", len(alts))
}

// acceptsType reports whether n's type keyword (following $ref) admits v.
func (vr *validator) acceptsType(n *node, v any, depth int) bool {
	if n == nil || depth > maxDepth {
		return true
	}
	if n.always != nil {
		return *n.always
	}
	if n.ref != "" {
		if t, err := vr.root.resolve(n.ref); err == nil && !vr.acceptsType(t, v, depth+1) {
			return false
		}
	}
	return len(n.types) == 0 || matchesAnyType(n.types, v)
}

func (vr *validator) checkObject(n *node, obj map[string]any, path string) {
	for _, k := range n.required {
		if _, ok := obj[k]; !ok {
			vr.fail(join(path, k), "is required")
		}
	}
	if n.minProps != nil && len(obj) < *n.minProps {
		vr.fail(path, "must have at least %d properties, has %d", *n.minProps, len(obj))
	}
	if n.maxProps != nil && len(obj) > *n.maxProps {
		vr.fail(path, "must have at most %d properties, has %d", *n.maxProps, len(obj))
	}
	for _, k := range n.propOrder {
		if v, ok := obj[k]; ok {
			vr.check(n.properties[k], v, join(path, k))
		}
	}
	if n.additional == nil && len(n.patternProps) == 0 {
		return
	}
	extra := make([]string, 0, len(obj))
	for k := range obj {
		if _, declared := n.properties[k]; !declared {
			extra = append(extra, k)
		}
	}
	sort.Strings(extra)
	for _, k := range extra {
		matched := false
		for _, p := range n.patternProps {
			if p.re.MatchString(k) {
				matched = true
				vr.check(p.schema, obj[k], join(path, k))
			}
		}
		if matched || n.additional == nil {
			continue
		}
		if a := n.additional; a.always != nil && !*a.always {
			vr.fail(join(path, k), "is not a known field")
			continue
		}
		vr.check(n.additional, obj[k], join(path, k))
	}
}

func (vr *validator) checkArray(n *node, arr []any, path string) {
	if n.minItems != nil && len(arr) < *n.minItems {
		vr.fail(path, "must have at least %d items, has %d", *n.minItems, len(arr))
	}
	if n.maxItems != nil && len(arr) > *n.maxItems {
		vr.fail(path, "must have at most %d items, has %d", *n.maxItems, len(arr))
	}
	for i, v := range arr {
		p := path + "[" + strconv.Itoa(i) + "]"
		if i < len(n.prefixItems) {
			vr.check(n.prefixItems[i], v, p)
			continue
		}
		vr.check(n.items, v, p)
	}
	if n.unique {
		for i := range arr {
			for j := i + 1; j < len(arr); j++ {
				if equal(arr[i], arr[j]) {
					vr.fail(path, "must have unique items, but items %d and %d are equal", i, j)
					return
				}
			}
		}
	}
}

func (vr *validator) checkString(n *node, s string, path string) {
	if n.minLength != nil || n.maxLength != nil {
		l := utf8.RuneCountInString(s)
		if n.minLength != nil && l < *n.minLength {
			vr.fail(path, "must be at least %d characters long, is %d", *n.minLength, l)
		}
		if n.maxLength != nil && l > *n.maxLength {
			vr.fail(path, "must be at most %d characters long, is %d", *n.maxLength, l)
		}
	}
	if n.pattern != nil && !n.pattern.MatchString(s) {
		vr.fail(path, "must match the pattern %s", n.pattern.String())
	}
	if n.format != "" {
		if msg := checkFormat(n.format, s); msg != "" {
			vr.fail(path, "%s", msg)
		}
	}
}

func (vr *validator) checkNumber(n *node, num json.Number, path string) {
	q, ok := new(big.Rat).SetString(num.String())
	if !ok {
		vr.fail(path, "is not a valid number")
		return
	}
	if n.minimum != nil && q.Cmp(n.minimum.Rat) < 0 {
		vr.fail(path, "must be at least %s, got %s", n.minimum.text, num)
	}
	if n.maximum != nil && q.Cmp(n.maximum.Rat) > 0 {
		vr.fail(path, "must be at most %s, got %s", n.maximum.text, num)
	}
	if n.exclMinimum != nil && q.Cmp(n.exclMinimum.Rat) <= 0 {
		vr.fail(path, "must be greater than %s, got %s", n.exclMinimum.text, num)
	}
	if n.exclMaximum != nil && q.Cmp(n.exclMaximum.Rat) >= 0 {
		vr.fail(path, "must be less than %s, got %s", n.exclMaximum.text, num)
	}
	if m := n.multipleOf; m != nil && m.Sign() > 0 {
		if !new(big.Rat).Quo(q, m.Rat).IsInt() {
			vr.fail(path, "must be a multiple of %s, got %s", m.text, num)
		}
	}
}

var uuidPattern = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// checkFormat returns why s is not of format f, or "" when it is or when
// the format is not one this package checks (formats are annotations
// unless a validator knows them).
func checkFormat(f, s string) string {
	switch f {
	case "email":
		a, err := mail.ParseAddress(s)
		if err != nil || a.Address != s || a.Name != "" {
			return "must be an email address"
		}
	case "date-time":
		if _, err := time.Parse(time.RFC3339Nano, s); err != nil {
			return "must be an RFC 3339 date-time such as 2024-05-01T12:00:00Z"
		}
	case "date":
		if _, err := time.Parse(time.DateOnly, s); err != nil {
			return "must be a date such as 2024-05-01"
		}
	case "time":
		if _, err := time.Parse("15:04:05Z07:00", s); err != nil {
			if _, err := time.Parse("15:04:05.999999999Z07:00", s); err != nil {
				return "must be a time such as 12:00:00Z"
			}
		}
	case "uri":
		u, err := url.Parse(s)
		if err != nil || !u.IsAbs() {
			return "must be an absolute URI such as https://example.com/x"
		}
	case "uuid":
		if !uuidPattern.MatchString(s) {
			return "must be a UUID"
		}
	case "ipv4":
		if a, err := netip.ParseAddr(s); err != nil || !a.Is4() {
			return "must be an IPv4 address"
		}
	case "ipv6":
		if a, err := netip.ParseAddr(s); err != nil || !a.Is6() {
			return "must be an IPv6 address"
		}
	}
	return ""
}

func matchesAnyType(types []string, v any) bool {
	for _, t := range types {
		if matchesType(t, v) {
			return true
		}
	}
	return false
}

func matchesType(t string, v any) bool {
	switch t {
	case "null":
		return v == nil
	case "boolean":
		_, ok := v.(bool)
		return ok
	case "string":
		_, ok := v.(string)
		return ok
	case "object":
		_, ok := v.(map[string]any)
		return ok
	case "array":
		_, ok := v.([]any)
		return ok
	case "number":
		_, ok := v.(json.Number)
		return ok
	case "integer":
		n, ok := v.(json.Number)
		if !ok {
			return false
		}
		q, ok := new(big.Rat).SetString(n.String())
		return ok && q.IsInt()
	}
	return false
}

// equal compares decoded JSON values; numbers compare by value, so 1 and
// 1.0 are equal as JSON Schema requires.
func equal(a, b any) bool {
	switch x := a.(type) {
	case json.Number:
		y, ok := b.(json.Number)
		if !ok {
			return false
		}
		p, ok1 := new(big.Rat).SetString(x.String())
		q, ok2 := new(big.Rat).SetString(y.String())
		return ok1 && ok2 && p.Cmp(q) == 0
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, v := range x {
			w, ok := y[k]
			if !ok || !equal(v, w) {
				return false
			}
		}
		return true
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !equal(x[i], y[i]) {
				return false
			}
		}
		return true
	default:
		return a == b
	}
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func article(t string) string {
	switch t {
	case "null":
		return "null"
	case "object", "array", "integer":
		return "an " + t
	}
	return "a " + t
}

func joinOr(types []string, f func(string) string) string {
	out := make([]string, len(types))
	for i, t := range types {
		out[i] = f(t)
	}
	return strings.Join(out, " or ")
}

func describe(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case bool:
		return "a boolean"
	case string:
		return "a string"
	case json.Number:
		return "the number " + x.String()
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}

// show renders a value for a message, shortened when long.
func show(v any) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Sprint(v)
	}
	s := strings.TrimSpace(buf.String())
	if len(s) > 60 {
		s = s[:57] + "..."
	}
	return s
}
