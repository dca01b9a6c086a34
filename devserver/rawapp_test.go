package devserver_test

import (
	"encoding/json"
	"io"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/durablefn/inngest/devserver"
	"github.com/durablefn/inngest/internal/sign"
	"github.com/durablefn/inngest/internal/wire"
)

// rawApp is an app that answers call requests by hand, to test answers
// this project's SDK never gives but other SDKs may.
type rawApp struct {
	url  string
	key  string // signs the in-band answer, as a server with this key wants
	mu   sync.Mutex
	call func(stepID string, req *wire.CallRequest) (int, any)
}

func (a *rawApp) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	if r.Method == http.MethodPut {
		b, _ := json.Marshal(wire.InBandSync{AppID: "raw", URL: a.url, SDKLanguage: "go", SDKVersion: "0", Functions: []wire.Function{{
			ID: "raw-f", Name: "raw-f", Triggers: []wire.Trigger{{Event: "raw/go"}},
			Steps: map[string]wire.Step{"step": {ID: "step", Name: "step", Runtime: wire.StepRuntime{Type: "http", URL: a.url + "?fnId=raw-f&stepId=step"}, Retries: &wire.StepRetries{Attempts: 0}}},
		}}})
		if a.key != "" {
			w.Header().Set(wire.HeaderSignature, sign.Header(a.key, b, time.Now()))
		}
		_, _ = w.Write(b)
		return
	}
	b, _ := io.ReadAll(r.Body)
	var req wire.CallRequest
	if err := json.Unmarshal(b, &req); err != nil {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	a.mu.Lock()
	status, body := a.call(r.URL.Query().Get("stepId"), &req)
	a.mu.Unlock()
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}

// A targeted step answered with the spec's StepNotFound op (or None) must
// not leave the run waiting for it forever.
func TestStepNotFoundOpDoesNotHoldTheRun(t *testing.T) {
	for _, answer := range []string{"StepNotFound", "None"} {
		t.Run(answer, func(t *testing.T) {
			srv := startServer(t, devserver.Config{NoListener: true})
			app := &rawApp{url: "http://raw.local/api/inngest"}
			a, b := wire.HashStepID("a"), wire.HashStepID("b")
			app.call = func(stepID string, req *wire.CallRequest) (int, any) {
				switch stepID {
				case "step", "":
					if _, ok := req.Steps[a]; ok {
						return 200, "done"
					}
					return 206, []wire.Op{{ID: a, Op: wire.OpStepPlanned}, {ID: b, Op: wire.OpStepPlanned}}
				case a:
					return 206, []wire.Op{{ID: a, Op: wire.OpStepRun, Data: json.RawMessage(`1`)}}
				default:
					return 206, []wire.Op{{ID: b, Op: wire.Opcode(answer)}}
				}
			}
			require.NoError(t, srv.AddApp(ctxT(t), app.url, app))
			id := send(t, srv, "raw/go", nil)
			r := oneRun(t, srv, id)
			require.Equal(t, devserver.StatusCompleted, r.Status)
			require.JSONEq(t, `"done"`, string(r.Output))
		})
	}
}
