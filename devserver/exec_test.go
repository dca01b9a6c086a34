package devserver_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/devserver"
	"github.com/durablefn/inngest/step"
)

func TestStepRunInProcess(t *testing.T) {
	srv := startServer(t, devserver.Config{NoListener: true, TimeSkipping: true})
	inProcApp(t, srv, "app", func(c *inngest.Client) {
		_, err := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "fn"}, inngest.OnEvent("test/go"),
			func(ctx context.Context, in inngest.Input[map[string]any]) (string, error) {
				a, err := step.Run(ctx, "a", func(ctx context.Context) (string, error) { return "A", nil })
				if err != nil {
					return "", err
				}
				b, err := step.Run(ctx, "b", func(ctx context.Context) (string, error) { return "B", nil })
				if err != nil {
					return "", err
				}
				return a + b + in.Event.Data["x"].(string), nil
			})
		require.NoError(t, err)
	})
	id := send(t, srv, "test/go", map[string]any{"x": "C"})
	r := oneRun(t, srv, id)
	require.Equal(t, devserver.StatusCompleted, r.Status, devserver.FormatTimeline(r))
	require.JSONEq(t, `"ABC"`, string(r.Output))
	require.Len(t, r.Steps, 2)
	t.Log(devserver.FormatTimeline(r))
}

func TestStepRunOverHTTP(t *testing.T) {
	srv := startServer(t, devserver.Config{TimeSkipping: true})
	httpApp(t, srv, inngest.ClientConfig{AppID: "app"}, func(c *inngest.Client) {
		_, err := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "fn"}, inngest.OnEvent("test/go"),
			func(ctx context.Context, in inngest.Input[map[string]any]) (int, error) {
				n, err := step.Run(ctx, "a", func(ctx context.Context) (int, error) { return 40, nil })
				if err != nil {
					return 0, err
				}
				return n + 2, nil
			})
		require.NoError(t, err)
	})
	id := send(t, srv, "test/go", nil)
	r := oneRun(t, srv, id)
	require.Equal(t, devserver.StatusCompleted, r.Status, devserver.FormatTimeline(r))
	var n int
	require.NoError(t, json.Unmarshal(r.Output, &n))
	require.Equal(t, 42, n)
}
