package app

import (
	"errors"
	"io"
	"testing"

	"github.com/stretchr/testify/require"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/examples/internal/demo"
	"github.com/durablefn/inngest/inngesttest"
)

func TestImportRunsOneStepPerChunkAndRetriesOnlyTheFailedOne(t *testing.T) {
	t.Parallel()
	c := inngesttest.NewClient(t, inngest.ClientConfig{AppID: AppID})
	im := &Fake{Rows: map[string]int{"a.csv": 2500}, Flaky: map[string]bool{"a.csv@1000": true}}
	fn, err := Register(c, im)
	require.NoError(t, err)

	res := inngesttest.Run(t, c, fn, inngesttest.Event(ImportRequested.New(Import{ImportID: "i-1", File: "a.csv"})))

	require.NoError(t, res.Err)
	require.Equal(t, 2500, res.Output)
	require.Equal(t, []string{"count-rows", "import-chunk-0", "import-chunk-1", "import-chunk-2"}, res.StepIDs())
	require.Equal(t, 1, res.Step("import-chunk-1").Attempt)
	require.Equal(t, 1, im.Calls("a.csv@0"), "a chunk already done is not imported again")
	require.Equal(t, 2, im.Calls("a.csv@1000"))
}

func TestImportStopsAtAChunkThatKeepsFailing(t *testing.T) {
	t.Parallel()
	c := inngesttest.NewClient(t, inngest.ClientConfig{AppID: AppID})
	im := &Fake{Rows: map[string]int{"a.csv": 3000}}
	fn, err := Register(c, im)
	require.NoError(t, err)

	res := inngesttest.Run(t, c, fn,
		inngesttest.Event(ImportRequested.New(Import{ImportID: "i-2", File: "a.csv"})),
		inngesttest.MockStepError("import-chunk-1", errors.New("disk full")))

	require.Equal(t, inngesttest.StatusFailed, res.Status)
	require.ErrorContains(t, res.Err, "disk full")
	require.Len(t, res.Step("import-chunk-1").Attempts, 4)
	require.False(t, res.HasStep("import-chunk-2"))
	require.Equal(t, 1, im.Calls("a.csv@0"))
}

func TestScenario(t *testing.T) {
	t.Parallel()
	runs, err := demo.Play(t.Context(), Example(), io.Discard)
	require.NoError(t, err)
	require.Len(t, runs, 2)
}
