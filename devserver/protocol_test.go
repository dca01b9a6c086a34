package devserver_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/devserver"
	"github.com/durablefn/inngest/step"
)

func TestParallelStepsRunConcurrently(t *testing.T) {
	srv := skipping(t)
	// Each branch waits until all three are running at once, which only
	// happens if the server calls the planned steps concurrently.
	var wg sync.WaitGroup
	wg.Add(3)
	var execs atomic.Int32
	inProcApp(t, srv, "app", func(c *inngest.Client) {
		_, err := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "fan"}, inngest.OnEvent("go"),
			func(ctx context.Context, in inngest.Input[Data]) (int, error) {
				branch := func(n int) func(ctx context.Context) (int, error) {
					return func(ctx context.Context) (int, error) {
						return step.Run(ctx, "part-"+itoa(n), func(ctx context.Context) (int, error) {
							execs.Add(1)
							wg.Done()
							done := make(chan struct{})
							go func() { wg.Wait(); close(done) }()
							select {
							case <-done:
							case <-time.After(10 * time.Second):
								return 0, inngest.NonRetriable(errors.New("branches did not run concurrently"))
							}
							return n * 10, nil
						})
					}
				}
				parts, err := step.Parallel(ctx, branch(1), branch(2), branch(3))
				if err != nil {
					return 0, err
				}
				after, err := step.Run(ctx, "after", func(ctx context.Context) (int, error) { return 4, nil })
				if err != nil {
					return 0, err
				}
				return parts[0] + parts[1] + parts[2] + after, nil
			})
		require.NoError(t, err)
	})
	r := oneRun(t, srv, send(t, srv, "go", nil))
	require.Equal(t, devserver.StatusCompleted, r.Status, devserver.FormatTimeline(r))
	require.JSONEq(t, `64`, string(r.Output))
	require.EqualValues(t, 3, execs.Load())
	planned := 0
	for _, e := range r.Timeline {
		if e.Kind == devserver.TimelinePlanned && strings.HasPrefix(e.Name, "part-") {
			planned++
		}
	}
	require.Equal(t, 3, planned, devserver.FormatTimeline(r))
}

func TestParallelWaitsAndSleeps(t *testing.T) {
	srv := skipping(t)
	inProcApp(t, srv, "app", func(c *inngest.Client) {
		_, err := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "fn"}, inngest.OnEvent("go"),
			func(ctx context.Context, in inngest.Input[Data]) (string, error) {
				_, err := step.Parallel(ctx,
					func(ctx context.Context) (string, error) { return "", step.Sleep(ctx, "short", time.Minute) },
					func(ctx context.Context) (string, error) { return "", step.Sleep(ctx, "long", time.Hour) },
					func(ctx context.Context) (string, error) {
						return step.Run(ctx, "work", func(ctx context.Context) (string, error) { return "w", nil })
					},
				)
				return "done", err
			})
		require.NoError(t, err)
	})
	r := oneRun(t, srv, send(t, srv, "go", nil))
	require.Equal(t, devserver.StatusCompleted, r.Status, devserver.FormatTimeline(r))
	require.Equal(t, time.Hour, r.EndedAt.Sub(r.StartedAt))
	require.Len(t, r.Steps, 3)
}

func TestFinishedEventCarriesResult(t *testing.T) {
	srv := skipping(t)
	got := make(chan Data, 4)
	inProcApp(t, srv, "app", func(c *inngest.Client) {
		_, err := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "fn"}, inngest.OnEvent("go"),
			func(ctx context.Context, in inngest.Input[Data]) (string, error) { return "result!", nil })
		require.NoError(t, err)
		_, err = inngest.CreateFunction(c, inngest.FunctionOpts{ID: "watch"},
			inngest.OnEvent("inngest/function.finished").If(`event.data.function_id == "app-fn"`),
			func(ctx context.Context, in inngest.Input[Data]) (string, error) {
				got <- in.Event.Data
				return "", nil
			})
		require.NoError(t, err)
	})
	id := send(t, srv, "go", nil)
	r := oneRun(t, srv, id)
	select {
	case d := <-got:
		require.Equal(t, "result!", d["result"])
		require.Equal(t, r.ID, d["run_id"])
		require.Equal(t, id, d["event"].(map[string]any)["id"])
	case <-ctxT(t).Done():
		t.Fatal("no inngest/function.finished run")
	}
}

func TestUseAPIForLargeState(t *testing.T) {
	srv := startServer(t, devserver.Config{NoListener: true, TimeSkipping: true, UseAPIThreshold: 2048})
	inProcApp(t, srv, "app", func(c *inngest.Client) {
		_, err := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "fn"}, inngest.OnEvent("go"),
			func(ctx context.Context, in inngest.Input[Data]) (int, error) {
				big, err := step.Run(ctx, "big", func(ctx context.Context) (string, error) {
					return strings.Repeat("x", 4096), nil
				})
				if err != nil {
					return 0, err
				}
				n, err := step.Run(ctx, "after", func(ctx context.Context) (int, error) { return len(big), nil })
				return n + len(in.Event.Data["pad"].(string)), err
			})
		require.NoError(t, err)
	})
	r := oneRun(t, srv, send(t, srv, "go", Data{"pad": "abc"}))
	require.Equal(t, devserver.StatusCompleted, r.Status, devserver.FormatTimeline(r))
	require.JSONEq(t, `4099`, string(r.Output))
}

func TestSignedCallsAndSync(t *testing.T) {
	const key = "signkey-test-12345678"
	srv := startServer(t, devserver.Config{SigningKey: key, TimeSkipping: true})
	// Cloud mode: the SDK verifies every call's signature and sends the
	// hashed key as a bearer token when it registers.
	cloud, err := inngest.NewClient(inngest.ClientConfig{AppID: "cloud", SigningKey: key, Dev: "0",
		APIOrigin: srv.URL(), EventAPIOrigin: srv.URL(), EventKey: "k", Logger: quietLogger()})
	require.NoError(t, err)
	_, err = inngest.CreateFunction(cloud, inngest.FunctionOpts{ID: "fn"}, inngest.OnEvent("go"),
		func(ctx context.Context, in inngest.Input[Data]) (string, error) {
			return step.Run(ctx, "s", func(ctx context.Context) (string, error) { return "signed", nil })
		})
	require.NoError(t, err)
	ts := newHTTPServer(t, cloud)
	require.NoError(t, srv.SyncApp(ctxT(t), ts+"/api/inngest"))
	require.Contains(t, srv.Functions(), "cloud-fn")
	r := oneRun(t, srv, send(t, srv, "go", nil))
	require.Equal(t, devserver.StatusCompleted, r.Status, devserver.FormatTimeline(r))
	require.JSONEq(t, `"signed"`, string(r.Output))

	// A client with another key cannot register.
	other, err := inngest.NewClient(inngest.ClientConfig{AppID: "intruder", SigningKey: "signkey-test-abcdef", Dev: "0",
		APIOrigin: srv.URL(), Logger: quietLogger()})
	require.NoError(t, err)
	_, err = inngest.CreateFunction(other, inngest.FunctionOpts{ID: "fn"}, inngest.OnEvent("go"),
		func(ctx context.Context, in inngest.Input[Data]) (string, error) { return "", nil })
	require.NoError(t, err)
	ts2 := newHTTPServer(t, other)
	err = srv.SyncApp(ctxT(t), ts2+"/api/inngest")
	require.Error(t, err)
	require.NotContains(t, srv.Functions(), "intruder-fn")
}

func TestRunAPI(t *testing.T) {
	srv := startServer(t, devserver.Config{TimeSkipping: true})
	httpApp(t, srv, inngest.ClientConfig{AppID: "app"}, func(c *inngest.Client) {
		_, err := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "fn"}, inngest.OnEvent("go"),
			func(ctx context.Context, in inngest.Input[Data]) (Data, error) {
				_, err := step.Run(ctx, "s", func(ctx context.Context) (int, error) { return 1, nil })
				return Data{"ok": true}, err
			})
		require.NoError(t, err)
	})
	id := send(t, srv, "go", nil)
	r := oneRun(t, srv, id)

	var list struct {
		Data []map[string]any `json:"data"`
	}
	getJSON(t, srv.URL()+"/v1/events/"+id+"/runs", 200, &list)
	require.Len(t, list.Data, 1)
	got := list.Data[0]
	require.Equal(t, r.ID, got["run_id"])
	require.Equal(t, "app-fn", got["function_id"])
	require.Equal(t, id, got["event_id"])
	require.Equal(t, "Completed", got["status"])
	require.Equal(t, map[string]any{"ok": true}, got["output"])
	require.NotEmpty(t, got["run_started_at"])
	require.NotEmpty(t, got["ended_at"])
	ended, err := time.Parse(time.RFC3339Nano, got["ended_at"].(string))
	require.NoError(t, err)
	require.Equal(t, r.EndedAt.UTC(), ended.UTC())

	var one struct {
		Data map[string]any `json:"data"`
	}
	getJSON(t, srv.URL()+"/v1/runs/"+r.ID, 200, &one)
	require.Equal(t, "Completed", one.Data["status"])
	require.NotEmpty(t, one.Data["timeline"])

	var actions map[string]json.RawMessage
	getJSON(t, srv.URL()+"/v0/runs/"+r.ID+"/actions", 200, &actions)
	require.Len(t, actions, 1)
	var batch []map[string]any
	getJSON(t, srv.URL()+"/v0/runs/"+r.ID+"/batch", 200, &batch)
	require.Len(t, batch, 1)
	require.Equal(t, id, batch[0]["id"])

	var health map[string]any
	getJSON(t, srv.URL()+"/health", 200, &health)
	var e map[string]any
	getJSON(t, srv.URL()+"/v1/runs/01HZZZZZZZZZZZZZZZZZZZZZZZ", 404, &e)
	require.Contains(t, e["error"], "no run")
	for _, bad := range []string{"nope", "0196a1b2-0000-7000-8000-000000000000"} {
		getJSON(t, srv.URL()+"/v1/runs/"+bad, 400, &e)
		require.Contains(t, e["error"], "invalid run ID")
	}
}

// As on the real server, ended_at is null while a run goes on: clients
// tell an ended run by it, not by its status.
func TestRunAPIEndedAtIsNullWhileRunning(t *testing.T) {
	srv := startServer(t, devserver.Config{Clock: devserver.NewVirtualClock(time.Time{})})
	httpApp(t, srv, inngest.ClientConfig{AppID: "app"}, func(c *inngest.Client) {
		_, err := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "fn"}, inngest.OnEvent("go"),
			func(ctx context.Context, in inngest.Input[Data]) (string, error) {
				return "done", step.Sleep(ctx, "nap", time.Hour)
			})
		require.NoError(t, err)
	})
	id := send(t, srv, "go", nil)
	var runID string
	require.NoError(t, srv.WaitFor(ctxT(t), func() bool {
		runs := srv.Runs(id)
		if len(runs) == 1 && len(runs[0].WaitingFor) == 0 && strings.Contains(devserver.FormatTimeline(runs[0]), "sleep") {
			runID = runs[0].ID
			return true
		}
		return false
	}))
	var one struct {
		Data map[string]any `json:"data"`
	}
	getJSON(t, srv.URL()+"/v1/runs/"+runID, 200, &one)
	require.Equal(t, "Running", one.Data["status"])
	require.Contains(t, one.Data, "ended_at")
	require.Nil(t, one.Data["ended_at"])
}
