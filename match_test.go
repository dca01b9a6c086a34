package inngest

import (
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

type reminderData struct {
	ReminderID string `json:"reminderId"`
	User       struct {
		Email string `json:"email"`
	} `json:"user"`
	Tags     []reminderTag  `json:"tags"`
	Extra    map[string]any `json:"extra"`
	Raw      json.RawMessage
	At       time.Time `json:"at"`
	Hidden   string    `json:"-"`
	internal string    //nolint:unused // an unexported field, which a Match path cannot name
	reminderBase
	*reminderAudit
	Named reminderNamed `json:"named"`
}

type reminderTag struct {
	Label string `json:"label"`
}

type reminderBase struct {
	AccountID string `json:"accountId,omitempty"`
}

type reminderAudit struct {
	By string
}

type reminderNamed struct {
	Deep struct {
		Value int `json:"value"`
	} `json:"deep"`
}

type cancelData struct {
	ReminderID string `json:"reminderId"`
	Reason     string `json:"reason"`
}

var (
	reminderSet       = EventType[reminderData]("app/reminder.set")
	reminderCancelled = EventType[cancelData]("app/reminder.cancelled")
)

// CreateFunction checks CancelOn.Match paths against the data types of
// the events they compare, so a typo fails at once rather than never
// matching.
func TestCancelOnMatchIsChecked(t *testing.T) {
	t.Parallel()
	noop := func(ctx context.Context, in Input[reminderData]) (any, error) { return nil, nil }
	untyped := func(ctx context.Context, in Input[map[string]any]) (any, error) { return nil, nil }
	tests := []struct {
		name   string
		cancel CancelOn
		typed  bool // trigger on reminderSet rather than an untyped event
		want   string
	}{
		{"MissingDataPrefix", CancelOn{Event: "app/reminder.cancelled", Match: "reminderId"}, true,
			`inngest: function "fn": CancelOn "app/reminder.cancelled": match path "reminderId" must start with "data.", "user.", "id", "name", "ts" or "v"; did you mean "data.reminderId"?`},
		{"MissingDataPrefixUntyped", CancelOn{Event: "app/reminder.cancelled", Match: "reminderId"}, false,
			`inngest: function "fn": CancelOn "app/reminder.cancelled": match path "reminderId" must start with "data.", "user.", "id", "name", "ts" or "v"; did you mean "data.reminderId"?`},
		{"WrongCase", CancelOn{Event: "app/reminder.cancelled", Match: "data.reminderID"}, true,
			`inngest: function "fn": CancelOn "app/reminder.cancelled": match path "data.reminderID": data of the triggering event (inngest.reminderData) has no JSON field "reminderID"; did you mean "data.reminderId"?`},
		{"UnknownField", CancelOn{Event: "app/reminder.cancelled", Match: "data.nope"}, true,
			`inngest: function "fn": CancelOn "app/reminder.cancelled": match path "data.nope": data of the triggering event (inngest.reminderData) has no JSON field "nope"`},
		{"GoNameOfTaggedField", CancelOn{Event: "app/reminder.cancelled", Match: "data.ReminderID"}, true,
			`inngest: function "fn": CancelOn "app/reminder.cancelled": match path "data.ReminderID": data of the triggering event (inngest.reminderData) has no JSON field "ReminderID"; did you mean "data.reminderId"?`},
		{"SkippedField", CancelOn{Event: "e", Match: "data.Hidden"}, true,
			`inngest: function "fn": CancelOn "e": match path "data.Hidden": data of the triggering event (inngest.reminderData) has no JSON field "Hidden"`},
		{"UnexportedField", CancelOn{Event: "e", Match: "data.internal"}, true,
			`inngest: function "fn": CancelOn "e": match path "data.internal": data of the triggering event (inngest.reminderData) has no JSON field "internal"`},
		{"NestedUnknown", CancelOn{Event: "e", Match: "data.user.mail"}, true,
			`inngest: function "fn": CancelOn "e": match path "data.user.mail": data.user of the triggering event (struct { Email string "json:\"email\"" }) has no JSON field "mail"`},
		{"IntoAScalar", CancelOn{Event: "e", Match: "data.reminderId.x"}, true,
			`inngest: function "fn": CancelOn "e": match path "data.reminderId.x": data.reminderId of the triggering event (string) is not an object`},
		{"IndexIntoAnObject", CancelOn{Event: "e", Match: "data.user[0]"}, true,
			`inngest: function "fn": CancelOn "e": match path "data.user[0]": data.user of the triggering event (struct { Email string "json:\"email\"" }) is not a list`},
		{"ListElementUnknown", CancelOn{Event: "e", Match: "data.tags[0].name"}, true,
			`inngest: function "fn": CancelOn "e": match path "data.tags[0].name": data.tags[0] of the triggering event (inngest.reminderTag) has no JSON field "name"`},
		{"MissingInCancellingEvent", CancelOn{Type: reminderCancelled, Match: "data.accountId"}, true,
			`inngest: function "fn": CancelOn "app/reminder.cancelled": match path "data.accountId": data of the cancelling event (inngest.cancelData) has no JSON field "accountId"`},
		{"MissingInCancellingEventUntypedTrigger", CancelOn{Type: reminderCancelled, Match: "data.userId"}, false,
			`inngest: function "fn": CancelOn "app/reminder.cancelled": match path "data.userId": data of the cancelling event (inngest.cancelData) has no JSON field "userId"`},
		{"EventAndTypeDisagree", CancelOn{Event: "app/other", Type: reminderCancelled, Match: "data.reminderId"}, true,
			`inngest: function "fn": CancelOn has Event "app/other" and Type "app/reminder.cancelled"; set one of them`},
		{"SubfieldOfName", CancelOn{Event: "e", Match: "name.first"}, true,
			`inngest: function "fn": CancelOn "e": match path "name.first": name is the event's name, a string, not an object`},
		{"NotAPath", CancelOn{Event: "e", Match: "data.a == 1"}, true,
			`inngest: function "fn": CancelOn "e": match path "data.a == 1" is not a field path such as "data.userId"; write other conditions in If`},
		{"DashedKey", CancelOn{Event: "e", Match: "data.user-id"}, false,
			`inngest: function "fn": CancelOn "e": match path "data.user-id" is not a field path such as "data.userId"; write other conditions in If`},
		{"EmptySegment", CancelOn{Event: "e", Match: "data..a"}, false,
			`inngest: function "fn": CancelOn "e": match path "data..a" is not a field path such as "data.userId"; write other conditions in If`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := NewClient(ClientConfig{AppID: "app", Dev: "1"})
			require.NoError(t, err)
			opts := FunctionOpts{ID: "fn", CancelOn: []CancelOn{tt.cancel}}
			require.NotPanics(t, func() {
				if tt.typed {
					_, err = CreateFunction(c, opts, reminderSet.Trigger(), noop)
				} else {
					_, err = CreateFunction(c, opts, OnEvent("app/reminder.set"), untyped)
				}
			})
			require.EqualError(t, err, tt.want)
		})
	}
}

func TestCancelOnMatchAccepted(t *testing.T) {
	t.Parallel()
	noop := func(ctx context.Context, in Input[reminderData]) (any, error) { return nil, nil }
	for _, m := range []string{
		"data.reminderId", "event.data.reminderId", "data.user.email", "data.tags[0].label", "data.tags",
		"data.extra.anything.below", "data.Raw.anything", "data.at", "data.accountId", "data.By",
		"data.named.deep.value", "user.id", "id", "name", "ts", "v", "data",
	} {
		t.Run(m, func(t *testing.T) {
			t.Parallel()
			c, err := NewClient(ClientConfig{AppID: "app", Dev: "1"})
			require.NoError(t, err)
			_, err = CreateFunction(c, FunctionOpts{ID: "fn", CancelOn: []CancelOn{{Event: "app/reminder.cancelled", Match: m}}}, reminderSet.Trigger(), noop)
			require.NoError(t, err)
		})
	}
	// The typed form registers the same cancellation as the name.
	c, err := NewClient(ClientConfig{AppID: "app", Dev: "1"})
	require.NoError(t, err)
	fn, err := CreateFunction(c, FunctionOpts{ID: "fn", CancelOn: []CancelOn{{Type: reminderCancelled, Match: "data.reminderId", If: "async.data.reason != ''"}}}, reminderSet.Trigger(), noop)
	require.NoError(t, err)
	require.Len(t, fn.spec.Config.Cancel, 1)
	require.Equal(t, "app/reminder.cancelled", fn.spec.Config.Cancel[0].Event)
	require.Equal(t, "(async.data.reason != '') && event.data.reminderId == async.data.reminderId", *fn.spec.Config.Cancel[0].If)
}

// step.WaitForEvent checks WaitOpts.Match with MatchExpressionFor, against
// the awaited event's data type.
func TestMatchExpressionFor(t *testing.T) {
	t.Parallel()
	expr, err := MatchExpressionFor(reminderCancelled, "data.reminderId")
	require.NoError(t, err)
	require.Equal(t, "event.data.reminderId == async.data.reminderId", expr)

	_, err = MatchExpressionFor(reminderCancelled, "data.reminderID")
	require.EqualError(t, err, `match path "data.reminderID": data of the awaited event (inngest.cancelData) has no JSON field "reminderID"; did you mean "data.reminderId"?`)
	_, err = MatchExpressionFor(reminderCancelled, "reminderId")
	require.EqualError(t, err, `match path "reminderId" must start with "data.", "user.", "id", "name", "ts" or "v"; did you mean "data.reminderId"?`)
	_, err = MatchExpressionFor(EventType[map[string]any]("any/thing"), "data.whatever.below")
	require.NoError(t, err)
}

// FuzzMatchPath checks that no Match path makes the checks panic, and that
// what they accept becomes an expression comparing the same path.
func FuzzMatchPath(f *testing.F) {
	for _, s := range []string{"data.reminderId", "event.data.tags[0].label", "data.user[0]", "reminderId", "data..a", "data.tags[", "data.tags[0]]", "name.x", "data.named.deep.value"} {
		f.Add(s)
	}
	data := reflect.TypeFor[reminderData]()
	f.Fuzz(func(t *testing.T, field string) {
		p, err := parseMatch(field)
		if err != nil {
			return
		}
		if err := p.check(data, "the triggering event"); err != nil {
			return
		}
		m := strings.TrimPrefix(field, "event.")
		if got, want := p.expr(), "event."+m+" == async."+m; got != want {
			t.Fatalf("%q: expression %q, want %q", field, got, want)
		}
	})
}
