package devserver

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/durablefn/inngest/internal/wire"
)

// FuzzParseEvents feeds arbitrary bodies to the event API's parser: it
// must never panic, and whatever it accepts has a name and object data.
func FuzzParseEvents(f *testing.F) {
	for _, s := range []string{`{"name":"a"}`, `[{"name":"a","data":{"x":1}},{"name":"b"}]`, `{"name":"a","data":[1]}`, `[]`, `"x"`, `{"name":`} {
		f.Add([]byte(s))
	}
	srv, err := New(Config{})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		evs, err := srv.parseEvents(body)
		if err != nil {
			return
		}
		for _, e := range evs {
			if e.Name == "" || len(e.Data) == 0 || e.Data[0] != '{' {
				t.Fatalf("accepted a bad event: %+v", e)
			}
		}
	})
}

// FuzzRetryAfter checks that any Retry-After header parses without panic
// and never lies in the past for a seconds value: n seconds from a whole
// second is that second plus n, or later when n is too large to add.
func FuzzRetryAfter(f *testing.F) {
	for _, s := range []string{"10", "-1", "0", " 7 ", "9223372037", "99999999999999", "2030-01-01T00:00:00Z", "Wed, 21 Oct 2015 07:28:00 GMT", ""} {
		f.Add(s)
	}
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, v string) {
		got := wire.ParseRetryAfter(v, now)
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || n < 0 {
			return
		}
		if got.Before(now) {
			t.Fatalf("Retry-After %q gave %v, before now (%v)", v, got, now)
		}
		if d := time.Duration(n) * time.Second; d/time.Second == time.Duration(n) && !got.Equal(now.Add(d)) {
			t.Fatalf("Retry-After %q gave %v, want %v", v, got, now.Add(d))
		}
	})
}
