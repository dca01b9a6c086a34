package schema

import (
	"encoding/json"
	"fmt"
	"math/big"
	"net/url"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/invopop/jsonschema"
)

// The keys of the jsonschema struct tag that github.com/invopop/jsonschema
// (v0.14) reads, by the JSON type of the field they apply to. It skips any
// other key without a word, so checkTags reports them instead.
var (
	// tagFlags are the keys written without a value.
	tagFlags = []string{"required", "nullable"}
	// genericKeys apply to a field of any type.
	genericKeys = []string{"title", "description", "type", "anchor", "oneof_required", "anyof_required", "oneof_ref", "oneof_type", "anyof_ref", "anyof_type"}
	stringKeys  = []string{"minLength", "maxLength", "pattern", "format", "readOnly", "writeOnly", "default", "example", "enum"}
	numberKeys  = []string{"multipleOf", "minimum", "maximum", "exclusiveMaximum", "exclusiveMinimum", "default", "example", "enum"}
	booleanKeys = []string{"default"}
	// arrayKeys apply to a slice or array field; its other keys go to the
	// items, by the items' type.
	arrayKeys = []string{"minItems", "maxItems", "uniqueItems", "default", "format", "pattern"}

	// formats are those checkFormat checks, in the order the docs list them.
	formats = []string{"email", "date-time", "date", "time", "uri", "uuid", "ipv4", "ipv6"}

	jsonTypes = []string{"string", "number", "integer", "boolean", "object", "array", "null"}
)

// allTagKeys is every key the tag knows, for suggestions.
var allTagKeys = func() []string {
	var all []string
	for _, keys := range [][]string{tagFlags, genericKeys, stringKeys, numberKeys, booleanKeys, arrayKeys} {
		for _, k := range keys {
			if !slices.Contains(all, k) {
				all = append(all, k)
			}
		}
	}
	return all
}()

// The interfaces through which a type takes over its own schema; their
// fields' tags are then not read (or read from another type).
type (
	customSchema   interface{ JSONSchema() *jsonschema.Schema }
	aliasSchema    interface{ JSONSchemaAlias() any }
	propertySchema interface{ JSONSchemaProperty(prop string) any }
)

var (
	customSchemaType   = reflect.TypeFor[customSchema]()
	aliasSchemaType    = reflect.TypeFor[aliasSchema]()
	propertySchemaType = reflect.TypeFor[propertySchema]()
	timeType           = reflect.TypeFor[time.Time]()
	urlType            = reflect.TypeFor[url.URL]()
)

// checkTags reports every jsonschema struct tag in t, and in the types its
// fields reach, that invopop/jsonschema would silently skip or misread: an
// unknown key, a key that does not apply to the field's JSON type, a value
// it cannot parse, a pattern that does not compile, or a format the
// validator does not check. Each problem names the Go type, the field and
// the tag. It walks the fields invopop/jsonschema reads, as it reads them.
func checkTags(t reflect.Type) error {
	c := &tagChecker{seen: map[reflect.Type]bool{}}
	c.visitType(t)
	if len(c.problems) == 0 {
		return nil
	}
	return fmt.Errorf("%s", strings.Join(c.problems, "; "))
}

type tagChecker struct {
	seen     map[reflect.Type]bool
	problems []string
}

func (c *tagChecker) visitType(t reflect.Type) {
	t = deref(t)
	if t == nil || c.seen[t] {
		return
	}
	c.seen[t] = true
	if t.Implements(aliasSchemaType) {
		alias := reflect.New(t).Interface().(aliasSchema).JSONSchemaAlias()
		c.visitType(reflect.TypeOf(alias))
		return
	}
	if t.Implements(customSchemaType) {
		return
	}
	switch t.Kind() {
	case reflect.Struct:
		if t != timeType && t != urlType {
			c.visitFields(t, t)
		}
	case reflect.Slice, reflect.Array, reflect.Map:
		c.visitType(t.Elem())
	}
}

// visitFields checks the fields of st, which are properties of the schema
// of parent (st itself, or a struct that embeds it).
func (c *tagChecker) visitFields(parent, st reflect.Type) {
	if st.Kind() != reflect.Struct {
		return
	}
	for i := range st.NumField() {
		f := st.Field(i)
		jsonTags := strings.Split(f.Tag.Get("json"), ",")
		if jsonTags[0] == "-" || strings.Split(f.Tag.Get("jsonschema"), ",")[0] == "-" {
			continue
		}
		if embedded(f, jsonTags) {
			if e := deref(f.Type); !c.seen[e] {
				c.seen[e] = true
				c.visitFields(parent, e)
			}
			continue
		}
		if !f.Anonymous && f.PkgPath != "" {
			continue // unexported: not a property
		}
		name := f.Name
		if jsonTags[0] != "" {
			name = jsonTags[0]
		}
		propType := f.Type
		if parent.Implements(propertySchemaType) {
			if alias := reflect.New(parent).Interface().(propertySchema).JSONSchemaProperty(name); alias != nil {
				propType = reflect.TypeOf(alias)
			}
		}
		c.checkField(st, f, propType, slices.Contains(jsonTags[1:], "string"))
		c.visitType(propType)
	}
}

// embedded reports whether invopop/jsonschema merges f's fields into its
// parent's properties, as encoding/json does.
func embedded(f reflect.StructField, jsonTags []string) bool {
	if slices.Contains(jsonTags[1:], "inline") {
		return true
	}
	if !f.Anonymous || jsonTags[0] != "" {
		return false
	}
	return deref(f.Type).Kind() == reflect.Struct
}

func deref(t reflect.Type) reflect.Type {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t
}

// checkField checks the jsonschema tag of field f of struct st, whose
// property has the schema of propType.
func (c *tagChecker) checkField(st reflect.Type, f reflect.StructField, propType reflect.Type, asString bool) {
	tag := f.Tag.Get("jsonschema")
	if tag == "" {
		return
	}
	fail := func(raw, format string, args ...any) {
		c.problems = append(c.problems, fmt.Sprintf("type %v, field %s: jsonschema tag %q: %s", st, f.Name, raw, fmt.Sprintf(format, args...)))
	}
	// The JSON type invopop/jsonschema gives the property decides which
	// keys it reads; "" is a $ref or a schema with no type.
	prop := (&jsonschema.Reflector{Anonymous: true}).ReflectFromType(propType)
	typ, itemType := prop.Type, ""
	if prop.Items != nil {
		itemType = prop.Items.Type
	}
	if asString && (typ == "integer" || typ == "number" || typ == "boolean") {
		typ = "string"
	}

	type keyValue struct{ raw, key, value string }
	var typed []keyValue
	for _, raw := range splitOnUnescapedCommas(tag) {
		key, value, hasValue := strings.Cut(raw, "=")
		switch {
		case raw == "":
		case !hasValue:
			if !slices.Contains(tagFlags, raw) {
				fail(raw, "unknown key %q%s", raw, suggest(raw, allTagKeys))
			}
		case slices.Contains(tagFlags, key):
			fail(raw, "unknown key %q; write it bare: jsonschema:%q", key, key)
		case key == "type":
			if !slices.Contains(jsonTypes, value) {
				fail(raw, "%q is not a JSON type%s", value, suggest(value, jsonTypes))
			}
			typ = value
		case key == "oneof_type" || key == "anyof_type":
			for _, v := range strings.Split(value, ";") {
				if !slices.Contains(jsonTypes, v) {
					fail(raw, "%q is not a JSON type%s", v, suggest(v, jsonTypes))
				}
			}
			typ = ""
		case slices.Contains(genericKeys, key):
		case !slices.Contains(allTagKeys, key):
			fail(raw, "unknown key %q%s", key, suggest(key, allTagKeys))
		default:
			typed = append(typed, keyValue{raw, key, value})
		}
	}

	for _, kv := range typed {
		keyType := typ
		if typ == "array" && !slices.Contains(arrayKeys, kv.key) {
			keyType = itemType // invopop/jsonschema hands it to the items
		}
		var keys []string
		switch keyType {
		case "string":
			keys = stringKeys
		case "number", "integer":
			keys = numberKeys
		case "boolean":
			keys = booleanKeys
		case "array":
			if typ == "array" && keyType == typ {
				keys = arrayKeys
			}
		}
		if !slices.Contains(keys, kv.key) {
			fail(kv.raw, "%q does not apply to %s", kv.key, describeField(typ, itemType, propType))
			continue
		}
		if msg := checkTagValue(keyType, kv.key, kv.raw, kv.value); msg != "" {
			fail(kv.raw, "%s", msg)
		}
	}
}

// checkTagValue returns why invopop/jsonschema would drop or misread the
// value of key on a field (or items) of JSON type typ, or "".
func checkTagValue(typ, key, raw, value string) string {
	switch key {
	case "minLength", "maxLength", "minItems", "maxItems":
		if _, err := strconv.ParseUint(value, 10, 64); err != nil {
			return fmt.Sprintf("%q is not a whole number of 0 or more", value)
		}
	case "multipleOf", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum":
		if !isTagNumber(raw, value) {
			return fmt.Sprintf("%q is not a number", value)
		}
		if q, _ := new(big.Rat).SetString(value); key == "multipleOf" && q.Sign() <= 0 {
			return "multipleOf must be greater than 0"
		}
	case "default", "example", "enum":
		switch typ {
		case "number", "integer":
			if !isTagNumber(raw, value) {
				return fmt.Sprintf("%q is not a number", value)
			}
		case "boolean":
			if value != "true" && value != "false" {
				return fmt.Sprintf("%q is not true or false", value)
			}
		}
	case "pattern":
		if _, err := regexp.Compile(value); err != nil {
			return fmt.Sprintf("the pattern does not compile: %v", err)
		}
	case "format":
		if !slices.Contains(formats, value) {
			return fmt.Sprintf("format %q is not one the validator checks%s; the formats are %s and %s",
				value, suggest(value, formats), strings.Join(formats[:len(formats)-1], ", "), formats[len(formats)-1])
		}
	case "readOnly", "writeOnly":
		if _, err := strconv.ParseBool(value); err != nil {
			return fmt.Sprintf("%q is not true or false", value)
		}
	case "uniqueItems":
		if value != "true" {
			return "invopop/jsonschema sets uniqueItems for any value; leave the key out instead"
		}
	}
	return ""
}

// isTagNumber mirrors how invopop/jsonschema reads a number from a tag (one
// "=", then an int64 or a float64), and requires a JSON number, which is
// what the schema will hold.
func isTagNumber(raw, value string) bool {
	if strings.Count(raw, "=") != 1 {
		return false
	}
	v, err := decodeValue([]byte(value))
	if _, ok := v.(json.Number); err != nil || !ok {
		return false
	}
	if _, err := strconv.ParseInt(value, 10, 64); err == nil {
		return true
	}
	_, err = strconv.ParseFloat(value, 64)
	return err == nil
}

func describeField(typ, itemType string, goType reflect.Type) string {
	switch typ {
	case "":
		return fmt.Sprintf("a field of type %v", goType)
	case "array":
		if itemType == "" {
			return fmt.Sprintf("a field of type %v", goType)
		}
		return "an array of " + itemType + "s"
	}
	return article(typ) + " field"
}

// suggest returns ` (did you mean "x"?)` for the candidate closest to s
// within two edits, or "".
func suggest(s string, candidates []string) string {
	best, bestDist := "", 3
	for _, c := range candidates {
		if d := editDistance(strings.ToLower(s), strings.ToLower(c)); d < bestDist {
			best, bestDist = c, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

// editDistance is the Levenshtein distance between a and b, counting an
// exchange of two neighbouring letters as one edit.
func editDistance(a, b string) int {
	prev2 := make([]int, len(b)+1)
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}

// splitOnUnescapedCommas splits a tag as invopop/jsonschema does: on each
// comma not preceded by a backslash, which is dropped.
func splitOnUnescapedCommas(tag string) []string {
	parts := strings.Split(tag, ",")
	out := []string{parts[0]}
	for _, p := range parts[1:] {
		last := out[len(out)-1]
		if strings.HasSuffix(last, `\`) {
			out[len(out)-1] = last[:len(last)-1] + "," + p
			continue
		}
		out = append(out, p)
	}
	return out
}
