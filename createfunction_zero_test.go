package inngest

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
)

// CreateFunction on a nil or zero Client says to use NewClient instead of
// panicking.
func TestCreateFunctionNeedsAClientFromNewClient(t *testing.T) {
	var zero Client
	noop := func(ctx context.Context, in Input[map[string]any]) (any, error) { return nil, nil }
	for name, c := range map[string]*Client{"Zero": &zero, "New": new(Client), "Nil": nil} {
		t.Run(name, func(t *testing.T) {
			var err error
			require.NotPanics(t, func() {
				_, err = CreateFunction(c, FunctionOpts{ID: "fn"}, OnEvent("a/b"), noop)
			})
			require.ErrorContains(t, err, "inngest.NewClient")
			require.Regexp(t, `^inngest: `, err.Error())
		})
	}
}
