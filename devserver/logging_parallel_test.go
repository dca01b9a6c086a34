package devserver_test

import (
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/durablefn/inngest/internal/logbuf"

	"github.com/stretchr/testify/require"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/devserver"
	"github.com/durablefn/inngest/middleware"
	"github.com/durablefn/inngest/step"
)

// TestLoggingParallelStartsOnce runs a function with parallel steps, each
// run by a targeted call with nothing memoized, and checks that the
// Logging middleware logs the run's start once.
func TestLoggingParallelStartsOnce(t *testing.T) {
	var out logbuf.Buffer
	logging := middleware.NewLogging(middleware.LoggingConfig{Logger: slog.New(slog.NewTextHandler(&out, nil))})
	srv := startServer(t, devserver.Config{NoListener: true, TimeSkipping: true})
	inProcApp(t, srv, "app", func(c *inngest.Client) {
		_, err := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "fn", Middleware: []middleware.Middleware{logging}}, inngest.OnEvent("test/go"),
			func(ctx context.Context, in inngest.Input[map[string]any]) (string, error) {
				got, err := step.Parallel(ctx,
					func(ctx context.Context) (string, error) {
						return step.Run(ctx, "a", func(ctx context.Context) (string, error) { return "A", nil })
					},
					func(ctx context.Context) (string, error) {
						return step.Run(ctx, "b", func(ctx context.Context) (string, error) { return "B", nil })
					},
					func(ctx context.Context) (string, error) {
						return step.Run(ctx, "c", func(ctx context.Context) (string, error) { return "C", nil })
					},
				)
				return strings.Join(got, ""), err
			})
		require.NoError(t, err)
	})
	r := oneRun(t, srv, send(t, srv, "test/go", map[string]any{}))
	require.Equal(t, devserver.StatusCompleted, r.Status, devserver.FormatTimeline(r))
	require.JSONEq(t, `"ABC"`, string(r.Output))
	logs := out.String()
	require.Equal(t, 1, strings.Count(logs, `msg="function started"`), logs)
	require.Equal(t, 1, strings.Count(logs, `msg="function finished"`), logs)
	require.Equal(t, 3, strings.Count(logs, `msg="step finished"`), logs)
}
