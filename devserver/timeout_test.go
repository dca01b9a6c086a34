package devserver_test

import (
	"bytes"
	"context"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/devserver"
	"github.com/durablefn/inngest/step"
)

// rewritingApp serves c's functions on a virtual-clock server, replacing
// old with new in the SDK's answers, as an SDK that writes opts
// differently would.
func rewritingApp(t *testing.T, vc *devserver.VirtualClock, c func(srv *devserver.Server) *inngest.Client, old, new string) *devserver.Server {
	t.Helper()
	srv := startServer(t, devserver.Config{NoListener: true, Clock: vc, TimeSkipping: true})
	interceptedApp(t, srv, c(srv), func(_ *http.Request, body []byte) []byte {
		return bytes.ReplaceAll(body, []byte(old), []byte(new))
	})
	return srv
}

// The real server reads a wait's timeout as a duration or an RFC 3339
// time; other SDKs send times.
func TestWaitForEventTimeoutAsTime(t *testing.T) {
	start := time.Date(2026, 1, 2, 3, 0, 0, 0, time.UTC)
	vc := devserver.NewVirtualClock(start)
	srv := rewritingApp(t, vc, func(srv *devserver.Server) *inngest.Client {
		c := clientOn(t, srv)
		_, err := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "fn"}, inngest.OnEvent("request/made"),
			func(ctx context.Context, in inngest.Input[Data]) (string, error) {
				ev, err := step.WaitForEvent(ctx, "decision", approved, step.WaitOpts{Timeout: time.Hour})
				if err != nil || ev != nil {
					return "unexpected", err
				}
				return "timed out", nil
			})
		require.NoError(t, err)
		return c
	}, `"timeout":"1h"`, `"timeout":"`+start.Add(30*time.Minute).Format(time.RFC3339)+`"`)
	r := oneRun(t, srv, send(t, srv, "request/made", Data{"id": "r1"}))
	require.JSONEq(t, `"timed out"`, string(r.Output), devserver.FormatTimeline(r))
	require.Equal(t, start.Add(30*time.Minute), r.EndedAt, devserver.FormatTimeline(r))
}

func TestInvokeTimeoutAsTime(t *testing.T) {
	start := time.Date(2026, 1, 2, 3, 0, 0, 0, time.UTC)
	vc := devserver.NewVirtualClock(start)
	srv := rewritingApp(t, vc, func(srv *devserver.Server) *inngest.Client {
		c := clientOn(t, srv)
		registerSlowInvoke(t, c)
		return c
	}, `"timeout":"1h"`, `"timeout":"`+start.Add(20*time.Minute).Format(time.RFC3339)+`"`)
	r := oneRun(t, srv, send(t, srv, "go", nil))
	require.Contains(t, string(r.Output), "Timed out", devserver.FormatTimeline(r))
	require.Equal(t, start.Add(20*time.Minute), r.EndedAt)
}

// A timeout no server can read fails the run with a message that says
// so, for an invoke as for a wait; before, an invoke's was ignored.
func TestUnreadableTimeoutsFailTheRun(t *testing.T) {
	for _, tc := range []struct{ name, opName string }{{"Invoke", "InvalidInvoke"}, {"Wait", "InvalidWaitForEvent"}} {
		t.Run(tc.name, func(t *testing.T) {
			srv := rewritingApp(t, devserver.NewVirtualClock(time.Time{}), func(srv *devserver.Server) *inngest.Client {
				c := clientOn(t, srv)
				child, err := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "child"}, inngest.OnEvent("never/sent"),
					func(ctx context.Context, in inngest.Input[Data]) (string, error) { return "ok", nil })
				require.NoError(t, err)
				_, err = inngest.CreateFunction(c, inngest.FunctionOpts{ID: "parent", Retries: inngest.Ptr(0)}, inngest.OnEvent("go"),
					func(ctx context.Context, in inngest.Input[Data]) (string, error) {
						if tc.name == "Invoke" {
							_, err := step.Invoke(ctx, "call", child, Data{}, &step.InvokeOpts{Timeout: time.Hour})
							return "returned", err
						}
						_, err := step.WaitForEvent(ctx, "decision", approved, step.WaitOpts{Timeout: time.Hour})
						return "returned", err
					})
				require.NoError(t, err)
				return c
			}, `"timeout":"1h"`, `"timeout":"next tuesday"`)
			r := oneRun(t, srv, send(t, srv, "go", nil))
			require.Equal(t, devserver.StatusFailed, r.Status, devserver.FormatTimeline(r))
			require.Contains(t, devserver.FormatTimeline(r), tc.opName)
			require.Contains(t, devserver.FormatTimeline(r), "next tuesday")
		})
	}
}

// A wait reported by a call catches a matching event that arrived while
// the call was in flight, however many events of that name followed it.
func TestWaitCatchesAnEventSentDuringTheCallAmongMany(t *testing.T) {
	srv := startServer(t, devserver.Config{NoListener: true, Clock: devserver.NewVirtualClock(time.Time{})})
	c := clientOn(t, srv)
	registerDecisionWait(t, c)
	var sent atomic.Bool
	interceptedApp(t, srv, c, func(r *http.Request, body []byte) []byte {
		if r.Method == http.MethodPost && bytes.Contains(body, []byte("WaitForEvent")) && sent.CompareAndSwap(false, true) {
			evs := []devserver.Event{{Name: "approval/decided", Data: Data{"id": "r1", "ok": true}}}
			for i := range 500 {
				evs = append(evs, devserver.Event{Name: "approval/decided", Data: Data{"id": "other", "n": i}})
			}
			if _, err := srv.SendEvent(r.Context(), evs...); err != nil {
				panic(err)
			}
		}
		return body
	})
	r := oneRun(t, srv, send(t, srv, "request/made", Data{"id": "r1"}))
	require.JSONEq(t, `"caught"`, string(r.Output), devserver.FormatTimeline(r))
	require.Contains(t, devserver.FormatTimeline(r), "arrived during the call")
}
