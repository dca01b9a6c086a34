package wire

import (
	"bytes"
	"encoding/json"
	"strings"
)

// Parallel modes, the value of an op's opts.parallelMode. An op of a
// parallel branch that races its siblings carries ParallelModeRace: the
// server then calls the function again as soon as that step ends, even
// while other parallel steps are still running (in the default mode, it
// waits until no planned step is left). The real server reads the value
// without regard to case; inngest-js sends "race", inngestgo "Race".
const (
	ParallelModeRace = "race"
	parallelModeKey  = "parallelMode"
)

var raceField = []byte(`"` + parallelModeKey + `":"` + ParallelModeRace + `"`)

// WithRaceMode returns opts, a JSON object or nothing, with its
// parallelMode set to race. opts must not hold the key already.
func WithRaceMode(opts json.RawMessage) json.RawMessage {
	opts = bytes.TrimSpace(opts)
	if len(opts) < 2 || opts[0] != '{' {
		out := make([]byte, 0, len(raceField)+2)
		out = append(out, '{')
		out = append(out, raceField...)
		return append(out, '}')
	}
	out := make([]byte, 0, len(opts)+len(raceField)+1)
	out = append(out, opts[:len(opts)-1]...)
	if len(bytes.TrimSpace(opts[1:len(opts)-1])) > 0 {
		out = append(out, ',')
	}
	out = append(out, raceField...)
	return append(out, '}')
}

// IsRace reports whether an op's opts ask for race mode, as the real
// server reads them: the key parallelMode, spelled so, whose value is
// "race" in any case. The
// common op without the key is answered without decoding its opts.
func IsRace(opts json.RawMessage) bool {
	if !bytes.Contains(opts, []byte(parallelModeKey)) {
		return false
	}
	var o map[string]any
	if json.Unmarshal(opts, &o) != nil {
		return false
	}
	s, ok := o[parallelModeKey].(string)
	return ok && strings.EqualFold(s, ParallelModeRace)
}
