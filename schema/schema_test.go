package schema_test

import (
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/schema"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

type Address struct {
	Street  string `json:"street" jsonschema:"minLength=1"`
	Country string `json:"country" jsonschema:"pattern=^[A-Z]{2}$,description=ISO 3166-1 alpha-2 code"`
}

type LineItem struct {
	SKU      string  `json:"sku" jsonschema:"minLength=3,maxLength=32"`
	Quantity int     `json:"quantity" jsonschema:"minimum=1"`
	Price    float64 `json:"price" jsonschema:"exclusiveMinimum=0"`
}

type InvoiceData struct {
	InvoiceID string     `json:"invoiceId" jsonschema:"format=uuid"`
	Email     string     `json:"email" jsonschema:"format=email,description=Who receives the receipt"`
	Amount    float64    `json:"amount" jsonschema:"minimum=0.01,maximum=1000000"`
	Currency  string     `json:"currency" jsonschema:"enum=EUR,enum=USD"`
	DueAt     time.Time  `json:"dueAt"`
	Items     []LineItem `json:"items" jsonschema:"minItems=1,maxItems=100"`
	Billing   *Address   `json:"billing,omitempty"`
	Note      string     `json:"note,omitempty" jsonschema:"maxLength=200"`
	Approver  *string    `json:"approver" jsonschema:"nullable"`
}

type SignupData struct {
	UserID  string   `json:"userId"`
	Email   string   `json:"email" jsonschema:"format=email"`
	Plan    string   `json:"plan" jsonschema:"enum=free,enum=pro,enum=team"`
	Seats   int      `json:"seats,omitempty" jsonschema:"minimum=1,maximum=500"`
	Website string   `json:"website,omitempty" jsonschema:"format=uri"`
	Tags    []string `json:"tags,omitempty" jsonschema:"uniqueItems=true"`
}

type Category struct {
	Name     string     `json:"name"`
	Children []Category `json:"children,omitempty"`
}

var (
	InvoiceApproved = inngest.EventType[InvoiceData]("invoice/approved")
	UserSignedUp    = inngest.EventType[SignupData]("user/signed.up")
	CatalogChanged  = inngest.EventType[Category]("catalog/changed")
	AnythingHappens = inngest.EventType[map[string]any]("misc/anything")
)

func registry(t testing.TB) *schema.Registry {
	t.Helper()
	reg := &schema.Registry{}
	require.NoError(t, schema.Add(reg, InvoiceApproved))
	require.NoError(t, schema.Add(reg, UserSignedUp))
	require.NoError(t, schema.Add(reg, CatalogChanged))
	require.NoError(t, schema.Add(reg, AnythingHappens))
	return reg
}

// golden compares got with testdata/name, or rewrites it under -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		require.NoError(t, os.WriteFile(path, got, 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run go test ./schema -update to create the golden files")
	require.Equal(t, string(want), string(got))
}

func indent(t *testing.T, v any) []byte {
	t.Helper()
	raw, err := json.MarshalIndent(v, "", "  ")
	require.NoError(t, err)
	return append(raw, '\n')
}

func TestSchemasMatchGolden(t *testing.T) {
	reg := registry(t)
	for _, name := range reg.Names() {
		t.Run(name, func(t *testing.T) {
			raw, ok := reg.Schema(name)
			require.True(t, ok)
			file := strings.NewReplacer("/", "_", ".", "_").Replace(name) + ".json"
			golden(t, file, indent(t, raw))
		})
	}
}

func TestDocumentMatchesGolden(t *testing.T) {
	golden(t, "document.json", indent(t, registry(t)))
}

func TestAdd(t *testing.T) {
	t.Parallel()
	t.Run("SameTypeTwiceIsNoOp", func(t *testing.T) {
		reg := registry(t)
		require.NoError(t, schema.Add(reg, InvoiceApproved))
	})
	t.Run("SameNameOtherTypeFails", func(t *testing.T) {
		reg := registry(t)
		err := schema.Add(reg, inngest.EventType[SignupData]("invoice/approved"))
		require.ErrorContains(t, err, `event "invoice/approved" is already declared with data type schema_test.InvoiceData`)
	})
	t.Run("EmptyNameFails", func(t *testing.T) {
		err := schema.Add(&schema.Registry{}, inngest.EventType[SignupData](""))
		require.ErrorContains(t, err, "inngest: schema.Add needs an event type with a name")
	})
	t.Run("UnsupportedTypeFails", func(t *testing.T) {
		err := schema.Add(&schema.Registry{}, inngest.EventType[struct {
			C chan int `json:"c"`
		}]("bad/type"))
		require.ErrorContains(t, err, `inngest: event "bad/type": cannot generate a JSON Schema`)
	})
	t.Run("AdditionalPropertiesAllowed", func(t *testing.T) {
		reg := &schema.Registry{AllowAdditionalProperties: true}
		require.NoError(t, schema.Add(reg, UserSignedUp))
		require.NoError(t, reg.Validate("user/signed.up", json.RawMessage(`{"userId":"u","email":"a@b.co","plan":"pro","extra":1}`)))
	})
	t.Run("AddJSON", func(t *testing.T) {
		reg := &schema.Registry{}
		require.NoError(t, reg.AddJSON("ext/event", []byte(`{"type":"object","required":["n"],"properties":{"n":{"$ref":"#/$defs/Pos"}},"$defs":{"Pos":{"type":"integer","minimum":1}}}`)))
		require.True(t, reg.Has("ext/event"))
		err := reg.Validate("ext/event", json.RawMessage(`{"n":0}`))
		require.EqualError(t, err, `inngest: event "ext/event" does not match its schema: data.n: must be at least 1, got 0`)
	})
	t.Run("AddJSONBadRef", func(t *testing.T) {
		err := (&schema.Registry{}).AddJSON("ext/event", []byte(`{"$ref":"https://example.com/s.json"}`))
		require.ErrorContains(t, err, "unresolvable $ref")
	})
	t.Run("AddJSONBadPattern", func(t *testing.T) {
		err := (&schema.Registry{}).AddJSON("ext/event", []byte(`{"type":"string","pattern":"(?<=a)b"}`))
		require.ErrorContains(t, err, "pattern")
	})
}

func TestTypeHelpers(t *testing.T) {
	t.Parallel()
	c, err := inngest.NewClient(inngest.ClientConfig{AppID: "app", Dev: "1"})
	require.NoError(t, err)
	fn, err := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "fn"}, InvoiceApproved.Trigger(),
		func(ctx context.Context, in inngest.Input[InvoiceData]) (int, error) { return 1, nil })
	require.NoError(t, err)
	in := schema.InputOf(fn)
	in.Event.Data.Amount = 5 // compiles only if in is an inngest.Input[InvoiceData]
	out := schema.OutputOf(fn)
	require.NoError(t, json.Unmarshal([]byte("7"), &out))
	require.Equal(t, 7, out)
	d := schema.DataOf(UserSignedUp)
	d.Plan = "pro"
	require.Equal(t, 5.0, in.Event.Data.Amount)
}
