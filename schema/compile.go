package schema

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/big"
	"regexp"
	"sort"
	"strings"
)

// node is one compiled (sub)schema. It holds the subset of JSON Schema
// 2020-12 that github.com/invopop/jsonschema generates from Go types, plus
// the few neighbours a hand-written schema commonly uses.
type node struct {
	// always is set for the boolean schemas true and false.
	always *bool

	ref   string
	defs  map[string]*node
	types []string

	properties   map[string]*node
	propOrder    []string
	patternProps []patternProp
	additional   *node
	required     []string
	minProps     *int
	maxProps     *int

	items       *node
	prefixItems []*node
	minItems    *int
	maxItems    *int
	unique      bool

	enum     []any
	constant *any

	minimum, maximum, exclMinimum, exclMaximum, multipleOf *number

	minLength *int
	maxLength *int
	pattern   *regexp.Regexp
	format    string

	allOf, anyOf, oneOf []*node
	not                 *node
}

// number is an exact bound, with its text as the schema wrote it.
type number struct {
	*big.Rat
	text string
}

type patternProp struct {
	re     *regexp.Regexp
	schema *node
}

// rawNode mirrors a schema object's keywords as JSON.
type rawNode struct {
	Ref                  string                     `json:"$ref"`
	Defs                 map[string]json.RawMessage `json:"$defs"`
	Definitions          map[string]json.RawMessage `json:"definitions"`
	Type                 json.RawMessage            `json:"type"`
	Properties           json.RawMessage            `json:"properties"`
	PatternProperties    map[string]json.RawMessage `json:"patternProperties"`
	AdditionalProperties json.RawMessage            `json:"additionalProperties"`
	Required             []string                   `json:"required"`
	MinProperties        *int                       `json:"minProperties"`
	MaxProperties        *int                       `json:"maxProperties"`
	Items                json.RawMessage            `json:"items"`
	PrefixItems          []json.RawMessage          `json:"prefixItems"`
	MinItems             *int                       `json:"minItems"`
	MaxItems             *int                       `json:"maxItems"`
	UniqueItems          bool                       `json:"uniqueItems"`
	Enum                 []json.RawMessage          `json:"enum"`
	Const                json.RawMessage            `json:"const"`
	Minimum              *json.Number               `json:"minimum"`
	Maximum              *json.Number               `json:"maximum"`
	ExclusiveMinimum     *json.Number               `json:"exclusiveMinimum"`
	ExclusiveMaximum     *json.Number               `json:"exclusiveMaximum"`
	MultipleOf           *json.Number               `json:"multipleOf"`
	MinLength            *int                       `json:"minLength"`
	MaxLength            *int                       `json:"maxLength"`
	Pattern              string                     `json:"pattern"`
	Format               string                     `json:"format"`
	AllOf                []json.RawMessage          `json:"allOf"`
	AnyOf                []json.RawMessage          `json:"anyOf"`
	OneOf                []json.RawMessage          `json:"oneOf"`
	Not                  json.RawMessage            `json:"not"`
}

// compile parses a JSON Schema document. Keywords outside the supported
// subset are ignored, as annotations are.
func compile(raw []byte) (*node, error) {
	return compileAt(raw, "#")
}

func compileAt(raw []byte, at string) (*node, error) {
	raw = bytes.TrimSpace(raw)
	switch string(raw) {
	case "true", "false":
		b := string(raw) == "true"
		return &node{always: &b}, nil
	}
	var r rawNode
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&r); err != nil {
		return nil, fmt.Errorf("%s: %w", at, err)
	}
	n := &node{
		ref: r.Ref, required: r.Required, minProps: r.MinProperties, maxProps: r.MaxProperties,
		minItems: r.MinItems, maxItems: r.MaxItems, unique: r.UniqueItems,
		minLength: r.MinLength, maxLength: r.MaxLength, format: r.Format,
	}
	if err := n.compileStructure(&r, at); err != nil {
		return nil, err
	}
	if err := n.compileValues(&r, at); err != nil {
		return nil, err
	}
	return n, nil
}

// compileStructure compiles the keywords of r that hold types and
// subschemas. It returns the first error, in keyword order.
func (n *node) compileStructure(r *rawNode, at string) error {
	var err error
	sub := func(raw json.RawMessage, key string) *node {
		if err != nil || len(raw) == 0 {
			return nil
		}
		var s *node
		s, err = compileAt(raw, at+"/"+key)
		return s
	}
	subs := func(raws []json.RawMessage, key string) []*node {
		out := make([]*node, 0, len(raws))
		for i, raw := range raws {
			out = append(out, sub(raw, fmt.Sprintf("%s/%d", key, i)))
		}
		return out
	}
	if len(r.Defs)+len(r.Definitions) > 0 {
		n.defs = make(map[string]*node, len(r.Defs)+len(r.Definitions))
		for k, v := range r.Definitions {
			n.defs[k] = sub(v, "definitions/"+k)
		}
		for k, v := range r.Defs {
			n.defs[k] = sub(v, "$defs/"+k)
		}
	}
	if len(r.Type) > 0 {
		if r.Type[0] == '[' {
			err = json.Unmarshal(r.Type, &n.types)
		} else {
			var t string
			err = json.Unmarshal(r.Type, &t)
			n.types = []string{t}
		}
	}
	if len(r.Properties) > 0 && err == nil {
		n.properties, n.propOrder, err = compileProperties(r.Properties, at)
	}
	keys := make([]string, 0, len(r.PatternProperties))
	for k := range r.PatternProperties {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		re, rerr := regexp.Compile(k)
		if rerr != nil && err == nil {
			err = fmt.Errorf("%s/patternProperties: %w", at, rerr)
		}
		n.patternProps = append(n.patternProps, patternProp{re: re, schema: sub(r.PatternProperties[k], "patternProperties/"+k)})
	}
	n.additional = sub(r.AdditionalProperties, "additionalProperties")
	n.items = sub(r.Items, "items")
	if len(r.PrefixItems) > 0 {
		n.prefixItems = subs(r.PrefixItems, "prefixItems")
	}
	n.allOf = subs(r.AllOf, "allOf")
	n.anyOf = subs(r.AnyOf, "anyOf")
	n.oneOf = subs(r.OneOf, "oneOf")
	n.not = sub(r.Not, "not")
	return err
}

// compileValues compiles the keywords of r that constrain values: enum,
// const, the numeric bounds and pattern.
func (n *node) compileValues(r *rawNode, at string) error {
	for _, e := range r.Enum {
		v, err := decodeValue(e)
		if err != nil {
			return fmt.Errorf("%s/enum: %w", at, err)
		}
		n.enum = append(n.enum, v)
	}
	if len(r.Const) > 0 {
		v, err := decodeValue(r.Const)
		if err != nil {
			return fmt.Errorf("%s/const: %w", at, err)
		}
		n.constant = &v
	}
	for _, f := range []struct {
		num *json.Number
		dst **number
		key string
	}{
		{r.Minimum, &n.minimum, "minimum"}, {r.Maximum, &n.maximum, "maximum"},
		{r.ExclusiveMinimum, &n.exclMinimum, "exclusiveMinimum"}, {r.ExclusiveMaximum, &n.exclMaximum, "exclusiveMaximum"},
		{r.MultipleOf, &n.multipleOf, "multipleOf"},
	} {
		if f.num == nil {
			continue
		}
		q, ok := new(big.Rat).SetString(f.num.String())
		if !ok {
			return fmt.Errorf("%s/%s: %q is not a number", at, f.key, f.num.String())
		}
		*f.dst = &number{Rat: q, text: f.num.String()}
	}
	if r.Pattern != "" {
		re, err := regexp.Compile(r.Pattern)
		if err != nil {
			return fmt.Errorf("%s/pattern: %w", at, err)
		}
		n.pattern = re
	}
	return nil
}

// compileProperties keeps the properties' order of appearance, so errors
// come out in the order of the Go struct's fields.
func compileProperties(raw json.RawMessage, at string) (map[string]*node, []string, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if _, err := dec.Token(); err != nil {
		return nil, nil, fmt.Errorf("%s/properties: %w", at, err)
	}
	props := make(map[string]*node)
	var order []string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, nil, fmt.Errorf("%s/properties: %w", at, err)
		}
		key, _ := tok.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, nil, fmt.Errorf("%s/properties/%s: %w", at, key, err)
		}
		s, err := compileAt(v, at+"/properties/"+escapePointer(key))
		if err != nil {
			return nil, nil, err
		}
		if _, dup := props[key]; !dup {
			order = append(order, key)
		}
		props[key] = s
	}
	return props, order, nil
}

func escapePointer(s string) string {
	return strings.NewReplacer("~", "~0", "/", "~1").Replace(s)
}

func unescapePointer(s string) string {
	return strings.NewReplacer("~1", "/", "~0", "~").Replace(s)
}

// resolve follows a local reference ("#/$defs/Name" or "#") from root.
func (root *node) resolve(ref string) (*node, error) {
	if ref == "#" {
		return root, nil
	}
	for _, prefix := range []string{"#/$defs/", "#/definitions/"} {
		if name, ok := strings.CutPrefix(ref, prefix); ok {
			if s := root.defs[unescapePointer(name)]; s != nil {
				return s, nil
			}
		}
	}
	return nil, fmt.Errorf("unresolvable $ref %q (only local references into $defs are supported)", ref)
}

// checkRefs reports the first reference that does not resolve, so a bad
// schema fails when it is added rather than when an event arrives.
func (root *node) checkRefs() error {
	seen := map[*node]bool{}
	var walk func(n *node) error
	walk = func(n *node) error {
		if n == nil || seen[n] {
			return nil
		}
		seen[n] = true
		if n.ref != "" {
			if _, err := root.resolve(n.ref); err != nil {
				return err
			}
		}
		children := []*node{n.additional, n.items, n.not}
		for _, k := range n.propOrder {
			children = append(children, n.properties[k])
		}
		for _, d := range n.defs {
			children = append(children, d)
		}
		for _, p := range n.patternProps {
			children = append(children, p.schema)
		}
		children = append(children, n.prefixItems...)
		children = append(children, n.allOf...)
		children = append(children, n.anyOf...)
		children = append(children, n.oneOf...)
		for _, c := range children {
			if err := walk(c); err != nil {
				return err
			}
		}
		return nil
	}
	return walk(root)
}

// decodeValue decodes JSON keeping numbers exact.
func decodeValue(raw []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, fmt.Errorf("unexpected data after the JSON value")
	}
	return v, nil
}
