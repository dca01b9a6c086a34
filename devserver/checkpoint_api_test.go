package devserver_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/devserver"
	"github.com/durablefn/inngest/step"
)

// The checkpoint API as the real server serves it: bearer token, only
// ops that need nothing but saving, whole or nothing, idempotent, 200
// with an empty body.
func TestCheckpointAPI(t *testing.T) {
	t.Parallel()
	srv := startServer(t, devserver.Config{SigningKey: keyHex, Logger: quietLogger()})
	c, err := inngest.NewClient(inngest.ClientConfig{AppID: "app", SigningKey: keyHex, Dev: "0",
		APIOrigin: srv.URL(), EventAPIOrigin: srv.URL(), EventKey: "k", Logger: quietLogger()})
	require.NoError(t, err)
	_, err = inngest.CreateFunction(c, inngest.FunctionOpts{ID: "waits"}, inngest.OnEvent("go"),
		func(ctx context.Context, in inngest.Input[Data]) (string, error) {
			_, err := step.WaitForEvent(ctx, "wait", inngest.EventType[Data]("never"), step.WaitOpts{Timeout: time.Hour})
			return "done", err
		})
	require.NoError(t, err)
	require.NoError(t, srv.SyncApp(ctxT(t), newHTTPServer(t, c)+"/api/inngest"))
	id := send(t, srv, "go", nil)
	var runID string
	require.NoError(t, srv.WaitFor(ctxT(t), func() bool {
		runs := srv.Runs(id)
		if len(runs) == 1 && len(runs[0].WaitingFor) == 1 {
			runID = runs[0].ID
			return true
		}
		return false
	}))
	stepHash := strings.Repeat("a", 40)
	good := `{"run_id":"` + runID + `","fn_id":"f","qi_id":"","steps":[{"id":"` + stepHash + `","op":"StepRun","name":"saved","data":{"n":1}}],"ts":1}`
	bearer := "Bearer " + keyHashed
	post := func(path, body, auth string) (int, string) {
		t.Helper()
		req, err := http.NewRequestWithContext(ctxT(t), http.MethodPost, srv.URL()+path, strings.NewReader(body))
		require.NoError(t, err)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		var b strings.Builder
		_, _ = io.Copy(&b, resp.Body)
		require.NotContains(t, b.String(), keyHex)
		return resp.StatusCode, b.String()
	}
	path := "/v1/checkpoint/" + runID + "/async"
	stepEntries := func() int {
		n := 0
		for _, e := range srv.Timeline(runID) {
			if e.Kind == devserver.TimelineStep && e.Checkpointed {
				n++
			}
		}
		return n
	}

	for _, tc := range []struct {
		name, path, body, auth string
		status                 int
		msg                    string
	}{
		{"NoToken", path, good, "", http.StatusUnauthorized, "bearer token"},
		{"WrongToken", path, good, "Bearer " + strings.Repeat("0", 64), http.StatusUnauthorized, "bearer token"},
		{"NotJSON", path, `{`, bearer, http.StatusBadRequest, "invalid request body"},
		{"NotAULID", "/v1/checkpoint/nope/async", good, bearer, http.StatusBadRequest, "not a ULID"},
		{"OtherRunInBody", "/v1/checkpoint/01JABCDEFGHJKMNPQRSTVWXYZ0/async", good, bearer, http.StatusBadRequest, "not the path's run ID"},
		{"UnknownRun", "/v1/checkpoint/01JABCDEFGHJKMNPQRSTVWXYZ0/async", `{"steps":[]}`, bearer, http.StatusNotFound, "not found"},
		{"AsyncOp", path, `{"steps":[{"id":"` + stepHash + `","op":"StepRun","data":1},{"id":"b","op":"Sleep","opts":{"duration":"1s"}}]}`, bearer, http.StatusBadRequest, "cannot checkpoint async steps"},
		{"UnknownOp", path, `{"steps":[{"id":"b","op":"Bogus"}]}`, bearer, http.StatusBadRequest, "cannot checkpoint opcode"},
		{"StepError", path, `{"steps":[{"id":"b","op":"StepError","error":{"name":"E","message":"m"}}]}`, bearer, http.StatusBadRequest, "cannot checkpoint opcode"},
		{"NoStepID", path, `{"steps":[{"op":"StepRun","data":1}]}`, bearer, http.StatusBadRequest, "has no id"},
	} {
		status, body := post(tc.path, tc.body, tc.auth)
		require.Equal(t, tc.status, status, "%s: %s", tc.name, body)
		require.Contains(t, body, tc.msg, tc.name)
	}
	require.Zero(t, stepEntries(), "a refused checkpoint saves nothing, not even its valid steps")

	for i := 0; i < 2; i++ {
		status, body := post(path, good, bearer)
		require.Equal(t, http.StatusOK, status)
		require.Empty(t, body)
	}
	require.Equal(t, 1, stepEntries(), "a checkpoint posted again changes nothing")
	r := srv.Run(runID)
	require.JSONEq(t, `{"data":{"n":1}}`, string(r.Steps[stepHash]))

	// The older path of the real server's private beta serves the same.
	status, _ := post("/v1/http/runs/"+runID+"/async", `{"steps":[{"id":"`+strings.Repeat("b", 40)+`","op":"steprun","data":2}]}`, bearer)
	require.Equal(t, http.StatusOK, status)
	require.Equal(t, 2, stepEntries())

	require.NoError(t, srv.CancelRun(ctxT(t), runID))
	_, err = srv.WaitForRun(ctxT(t), runID)
	require.NoError(t, err)
	status, body := post(path, good, bearer)
	require.Equal(t, http.StatusConflict, status, body)
	require.Contains(t, body, "has ended")
}
