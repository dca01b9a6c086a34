package middleware_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"testing"

	"github.com/durablefn/inngest/internal/logbuf"

	"github.com/stretchr/testify/require"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/middleware"
	"github.com/durablefn/inngest/step"
)

// lineBuffer collects text log lines without time and duration, which
// vary between runs.
type lineBuffer struct{ logbuf.Buffer }

func (b *lineBuffer) logger(level slog.Level) *slog.Logger {
	return slog.New(slog.NewTextHandler(b, &slog.HandlerOptions{
		Level: level,
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if len(groups) == 0 && (a.Key == slog.TimeKey || a.Key == "duration") {
				return slog.Attr{}
			}
			return a
		},
	}))
}

// TestLoggingReplayedRunLogsOnce runs a three-request run through the real
// handler and checks that each lifecycle line and each line of user code,
// also from derived loggers, appears exactly once, tagged with its step.
func TestLoggingReplayedRunLogsOnce(t *testing.T) {
	var mwOut, sdkOut lineBuffer
	c := newClient(t, inngest.ClientConfig{
		Logger:     sdkOut.logger(slog.LevelInfo),
		Middleware: []middleware.Middleware{middleware.NewLogging(middleware.LoggingConfig{Logger: mwOut.logger(slog.LevelDebug), Level: slog.LevelDebug})},
	})
	_, err := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "fn"}, inngest.OnEvent("test/run"),
		func(ctx context.Context, in inngest.Input[map[string]any]) (int, error) {
			log := inngest.Logger(ctx)
			log.Info("begin")
			in.Logger.Info("sdk begin")
			billing := log.With("customer", "c1").WithGroup("billing")
			a, err := step.Run(ctx, "charge", func(ctx context.Context) (int, error) {
				billing.Info("charging", "amount", 5)
				inngest.Logger(ctx).Debug("inside step")
				return 5, nil
			})
			if err != nil {
				return 0, err
			}
			billing.Info("charged", "amount", a)
			in.Logger.With("k", "v").WithGroup("g").Info("sdk charged", "amount", a)
			b, err := step.Run(ctx, "email", func(ctx context.Context) (int, error) { return 1, nil })
			if err != nil {
				return 0, err
			}
			log.Info("end", "total", a+b)
			return a + b, nil
		})
	require.NoError(t, err)
	h := newHandler(c)
	ev := map[string]any{"name": "test/run", "data": map[string]any{}}

	ops(t, serve(t, h, "app-fn", callBody(t, "r1", 0, ev)))
	ops(t, serve(t, h, "app-fn", callBody(t, "r1", 0, ev, memo{"charge", 5})))
	rec := serve(t, h, "app-fn", callBody(t, "r1", 0, ev, memo{"charge", 5}, memo{"email", 1}))
	require.Equal(t, http.StatusOK, rec.Code)

	tags := "function_id=fn run_id=r1 attempt=0"
	// One logger: the SDK's own (Input.Logger, inngest.Logger) is built on
	// the middleware's, and replay-aware too, including derived loggers.
	require.Equal(t, []string{
		"level=INFO msg=\"function started\" " + tags,
		"level=INFO msg=begin " + tags,
		"level=INFO msg=\"sdk begin\" " + tags,
		"level=INFO msg=charging " + tags + " step_id=charge customer=c1 billing.amount=5",
		"level=DEBUG msg=\"inside step\" " + tags + " step_id=charge",
		"level=INFO msg=\"step finished\" " + tags + " step_id=charge kind=step.run",
		"level=INFO msg=charged " + tags + " customer=c1 billing.amount=5",
		"level=INFO msg=\"sdk charged\" " + tags + " k=v g.amount=5",
		"level=INFO msg=\"step finished\" " + tags + " step_id=email kind=step.run",
		"level=INFO msg=end " + tags + " total=6",
		"level=INFO msg=\"function finished\" " + tags,
	}, mwOut.Lines())
	for _, l := range sdkOut.Lines() {
		require.NotContains(t, l, "sdk ", "user lines go to the middleware's logger, not the client's")
	}
}

func TestLoggingLevelAndFailures(t *testing.T) {
	var out lineBuffer
	c := newClient(t, inngest.ClientConfig{})
	_, err := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "fn", Retries: inngest.Ptr(0),
		Middleware: []middleware.Middleware{middleware.NewLogging(middleware.LoggingConfig{Logger: out.logger(slog.LevelDebug), Level: slog.LevelWarn})}},
		inngest.OnEvent("test/run"),
		func(ctx context.Context, in inngest.Input[map[string]any]) (int, error) {
			inngest.Logger(ctx).Info("below the level")
			_, err := step.Run(ctx, "flaky", func(ctx context.Context) (int, error) { return 0, errors.New("timeout") })
			if err != nil {
				inngest.Logger(ctx).Warn("giving up")
				return 0, inngest.NonRetriable(err)
			}
			return 1, nil
		})
	require.NoError(t, err)
	h := newHandler(c)
	ev := map[string]any{"name": "test/run", "data": map[string]any{}}
	ops(t, serve(t, h, "app-fn", callBody(t, "r2", 0, ev)))
	body := callBody(t, "r2", 0, ev)
	body = bytes.Replace(body, []byte(`"steps":{}`), []byte(`"steps":{"`+hashStepID("flaky")+`":{"error":{"name":"Error","message":"timeout"}}}`), 1)
	body = bytes.Replace(body, []byte(`"stack":[]`), []byte(`"stack":["`+hashStepID("flaky")+`"]`), 1)
	rec := serve(t, h, "app-fn", body)
	require.Equal(t, http.StatusBadRequest, rec.Code, rec.Body.String())

	tags := "function_id=fn run_id=r2 attempt=0"
	require.Equal(t, []string{
		"level=WARN msg=\"step failed\" " + tags + " step_id=flaky kind=step.run error=timeout",
		"level=WARN msg=\"giving up\" " + tags,
		"level=ERROR msg=\"function failed\" " + tags + " error=\"step \\\"flaky\\\" failed: timeout\"",
	}, out.Lines())
}
