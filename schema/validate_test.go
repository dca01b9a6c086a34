package schema_test

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/schema"
)

const validInvoice = `{"invoiceId":"0190a5e4-8c4e-7d3a-9f1e-2b3c4d5e6f70","email":"ada@example.com","amount":12.5,"currency":"EUR","dueAt":"2024-05-01T12:00:00Z","items":[{"sku":"ABC-1","quantity":2,"price":6.25}],"approver":null}`

func TestValidate(t *testing.T) {
	t.Parallel()
	reg := registry(t)
	tests := []struct {
		name  string
		event string
		data  string
		want  []schema.FieldError // nil: valid
	}{
		{"ValidInvoice", "invoice/approved", validInvoice, nil},
		{"ValidWithOptionals", "invoice/approved", `{"invoiceId":"0190a5e4-8c4e-7d3a-9f1e-2b3c4d5e6f70","email":"a@b.co","amount":1,"currency":"USD","dueAt":"2024-05-01T12:00:00.123+02:00","items":[{"sku":"XYZ","quantity":1,"price":1}],"billing":{"street":"Main St","country":"FR"},"approver":"bob","note":"ok"}`, nil},
		{"MissingAndBadFormats", "invoice/approved", `{"invoiceId":"nope","email":"not-an-email","amount":0,"currency":"GBP","dueAt":"yesterday","items":[],"approver":null}`, []schema.FieldError{
			{Field: "data.invoiceId", Message: "must be a UUID"},
			{Field: "data.email", Message: "must be an email address"},
			{Field: "data.amount", Message: "must be at least 0.01, got 0"},
			{Field: "data.currency", Message: `must be one of "EUR", "USD", got "GBP"`},
			{Field: "data.dueAt", Message: "must be an RFC 3339 date-time such as 2024-05-01T12:00:00Z"},
			{Field: "data.items", Message: "must have at least 1 items, has 0"},
		}},
		{"RequiredFields", "invoice/approved", `{}`, []schema.FieldError{
			{Field: "data.invoiceId", Message: "is required"},
			{Field: "data.email", Message: "is required"},
			{Field: "data.amount", Message: "is required"},
			{Field: "data.currency", Message: "is required"},
			{Field: "data.dueAt", Message: "is required"},
			{Field: "data.items", Message: "is required"},
			{Field: "data.approver", Message: "is required"},
		}},
		{"NestedThroughRefs", "invoice/approved", `{"invoiceId":"0190a5e4-8c4e-7d3a-9f1e-2b3c4d5e6f70","email":"a@b.co","amount":1,"currency":"EUR","dueAt":"2024-05-01T12:00:00Z","items":[{"sku":"ABC","quantity":1,"price":1},{"sku":"x","quantity":0.5,"price":0}],"billing":{"street":"","country":"fra"},"approver":3}`, []schema.FieldError{
			{Field: "data.items[1].sku", Message: "must be at least 3 characters long, is 1"},
			{Field: "data.items[1].quantity", Message: "must be an integer, got the number 0.5"},
			{Field: "data.items[1].price", Message: "must be greater than 0, got 0"},
			{Field: "data.billing.street", Message: "must be at least 1 characters long, is 0"},
			{Field: "data.billing.country", Message: "must match the pattern ^[A-Z]{2}$"},
			{Field: "data.approver", Message: "matches none of the 2 allowed alternatives"},
		}},
		{"UnknownField", "user/signed.up", `{"userId":"u1","email":"a@b.co","plan":"pro","emial":"typo"}`, []schema.FieldError{
			{Field: "data.emial", Message: "is not a known field"},
		}},
		{"WrongTypes", "user/signed.up", `{"userId":7,"email":"a@b.co","plan":"pro","seats":"3","tags":["a","a"],"website":"example.com"}`, []schema.FieldError{
			{Field: "data.userId", Message: "must be a string, got the number 7"},
			{Field: "data.seats", Message: "must be an integer, got a string"},
			{Field: "data.website", Message: "must be an absolute URI such as https://example.com/x"},
			{Field: "data.tags", Message: "must have unique items, but items 0 and 1 are equal"},
		}},
		{"IntegerWrittenAsFloat", "user/signed.up", `{"userId":"u","email":"a@b.co","plan":"team","seats":3.0}`, nil},
		{"NumberRange", "user/signed.up", `{"userId":"u","email":"a@b.co","plan":"team","seats":501}`, []schema.FieldError{
			{Field: "data.seats", Message: "must be at most 500, got 501"},
		}},
		{"EmailWithDisplayNameRejected", "user/signed.up", `{"userId":"u","email":"Ada <a@b.co>","plan":"free"}`, []schema.FieldError{
			{Field: "data.email", Message: "must be an email address"},
		}},
		{"RecursiveType", "catalog/changed", `{"name":"root","children":[{"name":"a","children":[{"name":"b"},{"children":[]}]}]}`, []schema.FieldError{
			{Field: "data.children[0].children[1].name", Message: "is required"},
		}},
		{"DataNotAnObject", "user/signed.up", `[1]`, []schema.FieldError{
			{Field: "data", Message: "must be an object, got an array"},
		}},
		{"NullDataIsEmptyObject", "misc/anything", `null`, nil},
		{"MalformedJSON", "misc/anything", `{"a":`, []schema.FieldError{
			{Field: "data", Message: "is not valid JSON: unexpected EOF"},
		}},
		{"UndeclaredEventPasses", "nobody/declared", `{"anything":true}`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := reg.Validate(tt.event, json.RawMessage(tt.data))
			if tt.want == nil {
				require.NoError(t, err)
				return
			}
			var verr *schema.ValidationError
			require.True(t, errors.As(err, &verr), "got %v", err)
			require.Equal(t, tt.event, verr.Event)
			require.Equal(t, tt.want, verr.Fields)
		})
	}
}

func TestValidationErrorMessage(t *testing.T) {
	t.Parallel()
	err := registry(t).Validate("user/signed.up", json.RawMessage(`{"userId":"u","plan":"gold"}`))
	require.EqualError(t, err, `inngest: event "user/signed.up" does not match its schema: data.email: is required; data.plan: must be one of "free", "pro", "team", got "gold"`)
}

func TestValidateEvent(t *testing.T) {
	t.Parallel()
	reg := registry(t)
	err := schema.ValidateEvent(reg, UserSignedUp.New(SignupData{UserID: "u", Email: "x", Plan: "pro"}))
	require.EqualError(t, err, `inngest: event "user/signed.up" does not match its schema: data.email: must be an email address`)
	require.NoError(t, schema.ValidateEvent(reg, UserSignedUp.New(SignupData{UserID: "u", Email: "x@y.z", Plan: "pro"})))
	require.NoError(t, schema.ValidateEvent(reg, inngest.Event[int]{Name: "undeclared", Data: 1}))
}

func FuzzValidate(f *testing.F) {
	reg := registry(f)
	f.Add("invoice/approved", validInvoice)
	f.Add("catalog/changed", `{"name":"a","children":[{"name":"b"}]}`)
	f.Add("user/signed.up", `{"seats":1e400,"tags":[[],{}]}`)
	f.Fuzz(func(t *testing.T, name, data string) {
		err := reg.Validate(name, json.RawMessage(data))
		if err != nil {
			var verr *schema.ValidationError
			require.True(t, errors.As(err, &verr))
			require.NotEmpty(t, verr.Fields)
		}
	})
}
