package devserver_test

import (
	"encoding/json"
	"sync"
	"testing"

	"github.com/google/uuid"
	"github.com/oklog/ulid/v2"
	"github.com/stretchr/testify/require"

	"github.com/durablefn/inngest/devserver"
	"github.com/durablefn/inngest/internal/wire"
)

func requireULID(t *testing.T, id, what string) {
	t.Helper()
	_, err := ulid.ParseStrict(id)
	require.NoError(t, err, "%s %q is not a ULID", what, id)
}

// The official Go SDK parses ctx.run_id as a ULID and ctx.fn_id as a UUID,
// and answers 400 to any other form: call bodies, the event API and the
// runs API carry IDs of the real server's forms.
func TestIDsHaveTheRealServersForms(t *testing.T) {
	srv := startServer(t, devserver.Config{})
	app := &rawApp{url: "http://raw.local/api/inngest"}
	var mu sync.Mutex
	var bodies []*wire.CallRequest
	app.call = func(stepID string, req *wire.CallRequest) (int, any) {
		mu.Lock()
		bodies = append(bodies, req)
		mu.Unlock()
		return 200, "ok"
	}
	require.NoError(t, srv.AddApp(ctxT(t), app.url, app))

	// One event with the sender's own ID, one without.
	status, out := postJSON(t, srv.URL()+"/e/key", `[{"name":"raw/go","id":"order-42","data":{"n":1}},{"name":"raw/go","data":{"n":2}}]`)
	require.Equal(t, 200, status)
	ids := out["ids"].([]any)
	require.Len(t, ids, 2)
	for i, id := range ids {
		requireULID(t, id.(string), "ids["+itoa(i)+"]")
	}
	require.NotEqual(t, "order-42", ids[0], "the event API answers internal IDs, not the sender's")

	var runs []map[string]any
	for i, id := range ids {
		_, err := srv.WaitForEventRuns(ctxT(t), id.(string), 1)
		require.NoError(t, err)
		var list struct {
			Data []map[string]any `json:"data"`
		}
		getJSON(t, srv.URL()+"/v1/events/"+id.(string)+"/runs", 200, &list)
		require.Len(t, list.Data, 1, "event %d", i)
		requireULID(t, list.Data[0]["run_id"].(string), "run_id")
		require.Equal(t, id, list.Data[0]["event_id"])
		runs = append(runs, list.Data[0])

		var one struct {
			Data map[string]any `json:"data"`
		}
		getJSON(t, srv.URL()+"/v1/runs/"+list.Data[0]["run_id"].(string), 200, &one)
		require.Equal(t, list.Data[0]["run_id"], one.Data["run_id"])
	}
	require.NotEqual(t, runs[0]["run_id"], runs[1]["run_id"])

	mu.Lock()
	defer mu.Unlock()
	require.Len(t, bodies, 2)
	byRun := map[string]*wire.CallRequest{}
	for _, b := range bodies {
		requireULID(t, b.Ctx.RunID, "ctx.run_id")
		_, err := uuid.Parse(b.Ctx.FnID)
		require.NoError(t, err, "ctx.fn_id %q is not a UUID", b.Ctx.FnID)
		byRun[b.Ctx.RunID] = b
	}
	require.Equal(t, bodies[0].Ctx.FnID, bodies[1].Ctx.FnID, "one function, one UUID")

	// The event's "id" is the sender's when it set one, else its internal
	// ID.
	eventID := func(b *wire.CallRequest) string {
		var ev struct {
			ID string `json:"id"`
		}
		require.NoError(t, json.Unmarshal(b.Event, &ev))
		return ev.ID
	}
	require.Equal(t, "order-42", eventID(byRun[runs[0]["run_id"].(string)]))
	require.Equal(t, ids[1], eventID(byRun[runs[1]["run_id"].(string)]))

	// The event's own ID is no path to its runs.
	var e map[string]any
	getJSON(t, srv.URL()+"/v1/events/order-42/runs", 400, &e)
	require.Contains(t, e["error"], "invalid event ID")
}

// An event whose ID was seen is accepted with an internal ID of its own,
// and starts nothing.
func TestDuplicateEventIDGetsItsOwnInternalID(t *testing.T) {
	srv := startServer(t, devserver.Config{NoListener: true})
	echoApp(t, srv)
	ids, err := srv.SendEvent(ctxT(t), devserver.Event{ID: "same", Name: "go"}, devserver.Event{ID: "same", Name: "go"})
	require.NoError(t, err)
	requireULID(t, ids[0], "first")
	requireULID(t, ids[1], "second")
	require.NotEqual(t, ids[0], ids[1])
	oneRun(t, srv, ids[0])
	require.NoError(t, srv.WaitIdle(ctxT(t)))
	require.Empty(t, srv.Runs(ids[1]))
	require.Len(t, srv.FunctionRuns("app-fn"), 1)
}

// The official SDKs send X-Inngest-Event-Id-Seed so that sending a request
// again yields the same internal IDs; as on the real server, the second
// send of an event without an ID of its own then starts nothing.
func TestEventIDSeedHeader(t *testing.T) {
	srv := startServer(t, devserver.Config{})
	echoApp(t, srv)
	const seed = "1743130137367,eii2YKXRVTJPuA=="
	sendSeeded := func() []any {
		status, out := postJSON(t, srv.URL()+"/e/key", `[{"name":"go"},{"name":"go"}]`, "X-Inngest-Event-Id-Seed", seed)
		require.Equal(t, 200, status)
		return out["ids"].([]any)
	}
	first := sendSeeded()
	again := sendSeeded()
	require.Equal(t, first, again)
	require.NotEqual(t, first[0], first[1], "each event of a batch gets its own ID")
	for _, id := range first {
		requireULID(t, id.(string), "seeded ID")
		u := ulid.MustParse(id.(string))
		require.EqualValues(t, 1743130137367, u.Time())
	}
	for _, id := range first {
		oneRun(t, srv, id.(string))
	}
	require.NoError(t, srv.WaitIdle(ctxT(t)))
	require.Len(t, srv.FunctionRuns("app-fn"), 2)

	// A malformed seed is ignored, as on the real server.
	status, out := postJSON(t, srv.URL()+"/e/key", `{"name":"go"}`, "X-Inngest-Event-Id-Seed", "nope")
	require.Equal(t, 200, status)
	id := out["ids"].([]any)[0].(string)
	requireULID(t, id, "unseeded ID")
	require.NotEqualValues(t, 1743130137367, ulid.MustParse(id).Time(), "not from the seed")
}
