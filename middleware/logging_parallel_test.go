package middleware_test

import (
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/inngesttest"
	"github.com/durablefn/inngest/middleware"
	"github.com/durablefn/inngest/step"
)

// count returns how many lines hold msg.
func count(lines []string, msg string) int {
	n := 0
	for _, l := range lines {
		if strings.Contains(l, "msg=\""+msg+"\"") {
			n++
		}
	}
	return n
}

// TestLoggingParallelStartsOnce runs a function whose parallel steps each
// get a call of their own, targeted and with nothing memoized, as the
// server sends them: the run starts once, so it is logged once.
func TestLoggingParallelStartsOnce(t *testing.T) {
	var out lineBuffer
	c := inngesttest.NewClient(t, inngest.ClientConfig{AppID: "app",
		Middleware: []middleware.Middleware{middleware.NewLogging(middleware.LoggingConfig{Logger: out.logger(slog.LevelInfo)})}})
	fn, err := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "fn"}, inngest.OnEvent("test/run"),
		func(ctx context.Context, in inngest.Input[map[string]any]) (int, error) {
			got, err := step.Parallel(ctx,
				func(ctx context.Context) (int, error) {
					return step.Run(ctx, "a", func(ctx context.Context) (int, error) { return 1, nil })
				},
				func(ctx context.Context) (int, error) {
					return step.Run(ctx, "b", func(ctx context.Context) (int, error) { return 2, nil })
				},
				func(ctx context.Context) (int, error) {
					return step.Run(ctx, "c", func(ctx context.Context) (int, error) { return 3, nil })
				},
			)
			if err != nil {
				return 0, err
			}
			return got[0] + got[1] + got[2], nil
		})
	require.NoError(t, err)

	res := inngesttest.Run(t, c, fn)
	require.NoError(t, res.Err)
	require.Equal(t, 6, res.Output)
	lines := out.Lines()
	require.Equal(t, 1, count(lines, "function started"), strings.Join(lines, "\n"))
	require.Equal(t, 1, count(lines, "function finished"), strings.Join(lines, "\n"))
	require.Equal(t, 3, count(lines, "step finished"), strings.Join(lines, "\n"))
}
