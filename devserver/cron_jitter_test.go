package devserver_test

import (
	"encoding/json"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/durablefn/inngest/devserver"
	"github.com/durablefn/inngest/internal/wire"
)

// cronApp serves one hourly cron function with a jitter, syncing
// in-band, and records the event of each call.
type cronApp struct {
	url, jitter string
	mu          sync.Mutex
	events      []map[string]any
}

func (a *cronApp) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	if r.Method == http.MethodPut {
		_ = json.NewEncoder(w).Encode(wire.InBandSync{AppID: "cron", URL: a.url, SDKLanguage: "go", SDKVersion: "0", Functions: []wire.Function{{
			ID: "cron-tick", Name: "tick", Triggers: []wire.Trigger{{Cron: "0 * * * *", Jitter: &a.jitter}},
			Steps: map[string]wire.Step{"step": {ID: "step", Name: "step", Runtime: wire.StepRuntime{Type: "http", URL: a.url + "?fnId=cron-tick&stepId=step"}}},
		}}})
		return
	}
	var req wire.CallRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	var ev map[string]any
	_ = json.Unmarshal(req.Event, &ev)
	delete(ev, "id") // a new ULID on every run of the test
	a.mu.Lock()
	a.events = append(a.events, ev)
	a.mu.Unlock()
	_, _ = w.Write([]byte(`"ok"`))
}

// A cron trigger's jitter delays each tick as on the real server: by at
// least 1s and less than the jitter, the same delay for the same tick on
// every run of the test, with the tick and the firing time in the
// event.
func TestCronJitterDelaysEachTickDeterministically(t *testing.T) {
	t.Parallel()
	hour := func(h int) time.Time { return time.Date(2030, 1, 1, h, 0, 0, 0, time.UTC) }
	fire := func(jitter string) []map[string]any {
		vc := devserver.NewVirtualClock(hour(11).Add(59 * time.Minute))
		srv := startServer(t, devserver.Config{NoListener: true, Clock: vc})
		app := &cronApp{url: "http://cron.local/api/inngest", jitter: jitter}
		require.NoError(t, srv.AddApp(ctxT(t), app.url, app))
		vc.AdvanceTo(hour(12))
		require.NoError(t, srv.WaitIdle(ctxT(t)))
		require.Empty(t, srv.FunctionRuns("cron-tick"), "a jittered tick fires at least 1s after it")
		vc.AdvanceTo(hour(12).Add(5 * time.Minute))
		settled(t, srv, "cron-tick", 1)
		vc.AdvanceTo(hour(13).Add(5 * time.Minute))
		settled(t, srv, "cron-tick", 2)
		app.mu.Lock()
		defer app.mu.Unlock()
		return app.events
	}
	for _, tc := range []struct {
		jitter   string
		min, max time.Duration // bounds of the delay, max excluded
	}{
		{"5m", time.Second, 5 * time.Minute},
		{"1s", time.Second, time.Second + 1},
	} {
		t.Run(tc.jitter, func(t *testing.T) {
			t.Parallel()
			events := fire(tc.jitter)
			again := fire(tc.jitter)
			require.Equal(t, events, again, "the same ticks fire at the same times")
			require.Len(t, events, 2)
			for i, ev := range events {
				tick := hour(12 + i)
				data := ev["data"].(map[string]any)
				require.Equal(t, "0 * * * *", data["cron"])
				require.Equal(t, tick.Format(time.RFC3339), data["scheduledAt"])
				fireAt, err := time.Parse(time.RFC3339, data["fireAt"].(string))
				require.NoError(t, err)
				require.GreaterOrEqual(t, fireAt.Sub(tick), tc.min.Truncate(time.Second))
				require.Less(t, fireAt.Sub(tick), tc.max)
				require.Equal(t, fireAt.Unix(), int64(ev["ts"].(float64))/1000, "the event's ts is its firing time")
			}
		})
	}
}
