package stepcheck_test

import (
	"testing"

	"golang.org/x/tools/go/analysis/analysistest"

	"github.com/durablefn/inngest/analysis/stepcheck"
)

// Each fixture package under testdata/src/rules marks every expected
// finding with a // want comment; analysistest fails on a finding without
// one, so the code left unmarked is the false positives that must stay
// silent. The packages load together, once: loading is most of the cost.
//
// The two packages under the SDK's path check that the SDK's own tests,
// which break the rules on purpose to check the errors users get at run
// time, are skipped, while its code and its examples are checked.
func TestRules(t *testing.T) {
	analysistest.Run(t, analysistest.TestData(), stepcheck.Analyzer,
		"rules/goroutines",
		"rules/nesting",
		"rules/ids",
		"rules/determinism",
		"rules/maprange",
		"rules/ignore",
		"rules/clean",
		"rules/aisteps",
		"github.com/durablefn/inngest/selftest",
		"github.com/durablefn/inngest/examples/selftest",
	)
}
