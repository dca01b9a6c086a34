package schema_test

import (
	"encoding/json"
	"net"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/schema"
)

type misspeltKey struct {
	Count int `json:"count" jsonschema:"minimun=1"`
}

type misspeltFormat struct {
	Email string `json:"email" jsonschema:"format=emial"`
}

type unsupportedFormat struct {
	Host string `json:"host" jsonschema:"format=hostname"`
}

type misspeltItemFormat struct {
	Emails []string `json:"emails" jsonschema:"format=emial"`
}

type keyForAnotherType struct {
	Name string `json:"name" jsonschema:"minimum=1"`
}

type keyOnStructField struct {
	Billing Address `json:"billing" jsonschema:"minLength=1"`
}

type badNumber struct {
	Total float64 `json:"total" jsonschema:"maximum=ten"`
}

type badLength struct {
	Note string `json:"note" jsonschema:"maxLength=-1"`
}

type badPattern struct {
	Code string `json:"code" jsonschema:"pattern=(?<=a)b"`
}

type badType struct {
	Code string `json:"code" jsonschema:"type=strnig"`
}

type unknownFlag struct {
	Code string `json:"code,omitempty" jsonschema:"omitempty"`
}

type requiredWithValue struct {
	Code string `json:"code,omitempty" jsonschema:"required=true"`
}

type uniqueFalse struct {
	Tags []string `json:"tags" jsonschema:"uniqueItems=false"`
}

type badNumericEnum struct {
	Level int `json:"level" jsonschema:"enum=1,enum=two"`
}

type deepInner struct {
	Zip string `json:"zip" jsonschema:"maxLenght=5"`
}

type deepOuter struct {
	Homes []*deepInner `json:"homes"`
}

type twoMistakes struct {
	A int    `json:"a" jsonschema:"minimun=1"`
	B string `json:"b" jsonschema:"format=emial"`
}

// everyKey uses every key invopop/jsonschema reads, each on a field of a
// type it applies to, and every format the validator checks.
type everyKey struct {
	Title    string          `json:"title" jsonschema:"title=T,description=D,anchor=a,minLength=1,maxLength=9,pattern=^[a-z]+$,readOnly=true,writeOnly=false,default=x,example=y,enum=x,enum=y"`
	Email    string          `json:"email" jsonschema:"format=email"`
	At       string          `json:"at" jsonschema:"format=date-time"`
	Day      string          `json:"day" jsonschema:"format=date"`
	Clock    string          `json:"clock" jsonschema:"format=time"`
	Link     string          `json:"link" jsonschema:"format=uri"`
	ID       string          `json:"id" jsonschema:"format=uuid"`
	V4       string          `json:"v4" jsonschema:"format=ipv4"`
	V6       string          `json:"v6" jsonschema:"format=ipv6"`
	Count    int             `json:"count" jsonschema:"minimum=1,maximum=10,exclusiveMinimum=0,exclusiveMaximum=11,multipleOf=1,default=2,example=3,enum=2,enum=3"`
	Ratio    float64         `json:"ratio" jsonschema:"minimum=0.5"`
	AsText   int             `json:"asText,string" jsonschema:"minLength=1"`
	On       bool            `json:"on" jsonschema:"default=true"`
	Tags     []string        `json:"tags" jsonschema:"minItems=1,maxItems=3,uniqueItems=true,format=email,minLength=3"`
	Scores   []int           `json:"scores" jsonschema:"minimum=0,default=1"`
	Codes    []string        `json:"codes" jsonschema:"pattern=^[A-Z]+$,enum=A,enum=B"`
	Maybe    *string         `json:"maybe" jsonschema:"nullable,maxLength=3"`
	Must     string          `json:"must,omitempty" jsonschema:"required"`
	Either   any             `json:"either" jsonschema:"oneof_type=string;integer"`
	Any      any             `json:"any,omitempty" jsonschema:"anyof_type=string;null"`
	Billing  *Address        `json:"billing" jsonschema:"title=Billing address"`
	Override string          `json:"override" jsonschema:"type=integer,minimum=1"`
	When     time.Time       `json:"when" jsonschema:"format=date-time"`
	Site     url.URL         `json:"site"`
	IP       net.IP          `json:"ip"`
	Raw      json.RawMessage `json:"raw,omitempty"`
	Hidden   string          `json:"-" jsonschema:"minimun=1"`
	Skipped  string          `json:"skipped" jsonschema:"-,minimun=1"`
	Escaped  string          `json:"escaped" jsonschema:"pattern=^a\\,b$"`
	Extras   string          `json:"extras" jsonschema_extras:"x-anything=goes"`
}

func TestAddChecksJSONSchemaTags(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		add  func(*schema.Registry) error
		want string
	}{
		{"UnknownKey", add[misspeltKey], `inngest: event "bad/tag": type schema_test.misspeltKey, field Count: jsonschema tag "minimun=1": unknown key "minimun" (did you mean "minimum"?)`},
		{"MisspeltFormat", add[misspeltFormat], `type schema_test.misspeltFormat, field Email: jsonschema tag "format=emial": format "emial" is not one the validator checks (did you mean "email"?); the formats are email, date-time, date, time, uri, uuid, ipv4 and ipv6`},
		{"UnsupportedFormat", add[unsupportedFormat], `type schema_test.unsupportedFormat, field Host: jsonschema tag "format=hostname": format "hostname" is not one the validator checks`},
		{"ItemFormat", add[misspeltItemFormat], `type schema_test.misspeltItemFormat, field Emails: jsonschema tag "format=emial": format "emial"`},
		{"KeyForAnotherType", add[keyForAnotherType], `type schema_test.keyForAnotherType, field Name: jsonschema tag "minimum=1": "minimum" does not apply to a string field`},
		{"KeyOnStructField", add[keyOnStructField], `type schema_test.keyOnStructField, field Billing: jsonschema tag "minLength=1": "minLength" does not apply to a field of type schema_test.Address`},
		{"BadNumber", add[badNumber], `type schema_test.badNumber, field Total: jsonschema tag "maximum=ten": "ten" is not a number`},
		{"BadLength", add[badLength], `type schema_test.badLength, field Note: jsonschema tag "maxLength=-1": "-1" is not a whole number of 0 or more`},
		{"BadPattern", add[badPattern], `type schema_test.badPattern, field Code: jsonschema tag "pattern=(?<=a)b": the pattern does not compile`},
		{"BadType", add[badType], `type schema_test.badType, field Code: jsonschema tag "type=strnig": "strnig" is not a JSON type (did you mean "string"?)`},
		{"UnknownFlag", add[unknownFlag], `type schema_test.unknownFlag, field Code: jsonschema tag "omitempty": unknown key "omitempty"`},
		{"RequiredWithValue", add[requiredWithValue], `type schema_test.requiredWithValue, field Code: jsonschema tag "required=true": unknown key "required"; write it bare: jsonschema:"required"`},
		{"UniqueItemsFalse", add[uniqueFalse], `type schema_test.uniqueFalse, field Tags: jsonschema tag "uniqueItems=false": invopop/jsonschema sets uniqueItems for any value; leave the key out instead`},
		{"BadNumericEnum", add[badNumericEnum], `type schema_test.badNumericEnum, field Level: jsonschema tag "enum=two": "two" is not a number`},
		{"NestedType", add[deepOuter], `type schema_test.deepInner, field Zip: jsonschema tag "maxLenght=5": unknown key "maxLenght" (did you mean "maxLength"?)`},
		{"EveryMistake", add[twoMistakes], `jsonschema tag "minimun=1": unknown key "minimun" (did you mean "minimum"?); type schema_test.twoMistakes, field B: jsonschema tag "format=emial"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			reg := &schema.Registry{}
			err := tc.add(reg)
			require.ErrorContains(t, err, tc.want)
			require.False(t, reg.Has("bad/tag"), "a type with a bad tag must not be declared")
		})
	}
	t.Run("EveryKnownKeyIsAccepted", func(t *testing.T) {
		t.Parallel()
		require.NoError(t, add[everyKey](&schema.Registry{}))
	})
}

func add[T any](reg *schema.Registry) error {
	return schema.Add(reg, inngest.EventType[T]("bad/tag"))
}
