package main

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/durablefn/inngest/examples/internal/demo"
)

func TestTourPlaysEveryPattern(t *testing.T) {
	var out strings.Builder
	require.NoError(t, tour(t.Context(), &out, patterns))

	text := out.String()
	for _, p := range patterns {
		require.Contains(t, text, "== "+p.name+": ")
	}
	summary := text[strings.Index(text, "== summary =="):]
	require.NotContains(t, summary, "NO")
	require.Contains(t, summary, "11 of 11")
	require.Contains(t, summary, "168h0m0s", "the approval's seven-day wait shows on the virtual clock")
	require.Contains(t, text, "cancelled")
}

func TestTourFailsWhenARunEndsWrongly(t *testing.T) {
	broken := pattern{name: "broken", summary: "a scenario that fails", example: func() demo.Example {
		ex := patterns[0].example()
		ex.Scenario = func(context.Context, *demo.Env) error { return errors.New("run ended Failed, want Completed") }
		return ex
	}}
	var out strings.Builder
	err := tour(t.Context(), &out, []pattern{patterns[1], broken})
	require.EqualError(t, err, "1 of 2 patterns ended wrongly")
	require.Contains(t, out.String(), "FAILED: run ended Failed, want Completed")
}
