package devserver

import (
	"encoding/json"
	"testing"

	"github.com/oklog/ulid/v2"

	"github.com/durablefn/inngest/internal/wire"
)

// FuzzParseOps feeds arbitrary 206 bodies to the op parser: it must never
// panic, and every op it accepts has a known name in its canonical
// spelling, and a StepError its error.
func FuzzParseOps(f *testing.F) {
	for _, s := range []string{
		`[{"op":"Sleep","id":"a","name":"1s","opts":{}}]`,
		`{"op":"stepRun","id":"a","data":1}`,
		`[{"op":"StepError","id":"a"}]`,
		`[null]`, `[]`, ``, `[{"op":"Bogus"}]`, `"x"`,
		`[{"op":"Gateway","id":"a","opts":{"url":"http://h/x","body":"{}"}}]`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		ops, err := parseOps(body)
		if err != nil {
			return
		}
		for _, op := range ops {
			if known, _ := wire.ParseOpcode(string(op.Op)); known != op.Op {
				t.Fatalf("op %q is not in its canonical spelling", op.Op)
			}
			if op.Op == wire.OpStepError && op.Error == nil {
				t.Fatal("a StepError without an error was accepted")
			}
			if op.Op == wire.OpGateway || op.Op == wire.OpAIGateway {
				o := op
				_, _ = newGatewayRequest(&o)
			}
		}
		if _, err := json.Marshal(ops); err != nil {
			t.Fatalf("accepted ops do not encode: %v", err)
		}
	})
}

// FuzzParseIDSeed feeds arbitrary X-Inngest-Event-Id-Seed values: a seed
// it accepts makes valid ULIDs at the seed's time, a different one for
// each event of a request.
func FuzzParseIDSeed(f *testing.F) {
	for _, s := range []string{"1743130137367,eii2YKXRVTJPuA==", "0,AAAAAAAAAAAAAA==", "1,/////////////w==", "x,y", ","} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		s := parseIDSeed(v)
		if s == nil {
			return
		}
		a, b := s.id(1), s.id(2)
		for _, id := range []string{a, b} {
			u, err := ulid.ParseStrict(id)
			if err != nil {
				t.Fatalf("%q: %v", id, err)
			}
			if u.Time() != s.millis {
				t.Fatalf("%q is not at the seed's time", id)
			}
		}
		if a == b {
			t.Fatal("two events of one request got one ID")
		}
	})
}
