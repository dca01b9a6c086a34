package inngesttest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/oklog/ulid/v2"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/internal/wire"
)

// NewClient returns a dev-mode client for tests whose outbound HTTP goes
// to the engine instead of the network: events sent by step.SendEvent or
// Client.Send during Run are captured and recorded, never sent. cfg is
// used as given except for Dev (forced to "1") and HTTPClient (replaced).
// Invalid configuration fails the test.
//
// To test functions defined on an app's own client, build that client
// with HTTPClient set to inngesttest.HTTPClient() in tests.
func NewClient(t testing.TB, cfg inngest.ClientConfig) *inngest.Client {
	t.Helper()
	cfg.Dev = "1"
	cfg.HTTPClient = HTTPClient()
	c, err := inngest.NewClient(cfg)
	if err != nil {
		t.Fatalf("inngesttest.NewClient: %v", err)
	}
	return c
}

// HTTPClient returns an *http.Client whose transport is the engine's:
// event sends (POST /e/{key}) made during Run are captured and answered
// like the event API would, mocks applied (see MockSendEvent); sends made
// outside Run are accepted and dropped. Checkpoints (POST
// /v1/checkpoint/{runID}/async, see inngest.Checkpoint) made during Run
// save their steps in the run, as the server would. Signals (POST
// /v1/signals, see MockSendSignal) made during Run are recorded and
// reach no run unless mocked. Every other request
// is answered 404, so a test never reaches the network.
func HTTPClient() *http.Client {
	return &http.Client{Transport: transport{}}
}

type transport struct{}

func (transport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		defer req.Body.Close()
	}
	if runID, ok := wire.CheckpointRunID(req.URL.Path); ok && req.Method == http.MethodPost {
		return checkpointAnswer(req, runID)
	}
	if req.URL.Path == "/v1/signals" && req.Method == http.MethodPost {
		return signalAnswer(req)
	}
	if req.Method != http.MethodPost || !strings.Contains(req.URL.Path, "/e/") {
		return answer(req, http.StatusNotFound, wire.SendResponse{
			Status: http.StatusNotFound,
			Error:  fmt.Sprintf("inngesttest: unit mode answers only event sends (POST /e/{key}), not %s %s", req.Method, req.URL.Path),
		}), nil
	}
	body, err := io.ReadAll(req.Body)
	if err != nil {
		return nil, err
	}
	events, err := decodeEvents(body)
	if err != nil {
		return answer(req, http.StatusBadRequest, wire.SendResponse{Status: http.StatusBadRequest, Error: err.Error()}), nil
	}
	ids := make([]string, len(events))
	for i := range events {
		if events[i].ID == "" {
			events[i].ID = ulid.Make().String()
		}
		ids[i] = events[i].ID
	}
	if call, ok := req.Context().Value(callKey{}).(*callState); ok {
		mocked, err := call.sent(events)
		if err != nil {
			return answer(req, http.StatusBadRequest, wire.SendResponse{Status: http.StatusBadRequest, Error: err.Error()}), nil
		}
		if mocked != nil {
			ids = mocked
		}
	}
	return answer(req, http.StatusOK, wire.SendResponse{IDs: ids, Status: http.StatusOK}), nil
}

// checkpointAnswer answers a checkpoint request made during Run with the
// call's runner; one made outside Run finds no run.
func checkpointAnswer(req *http.Request, runID string) (*http.Response, error) {
	body, err := io.ReadAll(req.Body)
	if err != nil {
		return nil, err
	}
	status, msg := http.StatusNotFound, "inngesttest: no run "+runID+" is being called"
	if call, ok := req.Context().Value(callKey{}).(*callState); ok {
		status, msg = call.checkpoint(runID, body)
	}
	raw := []byte{}
	if msg != "" {
		raw, _ = json.Marshal(map[string]any{"error": msg, "status": status})
	}
	return jsonResponse(req, status, raw), nil
}

// decodeEvents reads the body of an event send: one event or an array.
func decodeEvents(body []byte) ([]wire.Event, error) {
	body = bytes.TrimSpace(body)
	if len(body) > 0 && body[0] == '{' {
		var e wire.Event
		if err := json.Unmarshal(body, &e); err != nil {
			return nil, fmt.Errorf("malformed event: %w", err)
		}
		return []wire.Event{e}, nil
	}
	var events []wire.Event
	if err := json.Unmarshal(body, &events); err != nil {
		return nil, fmt.Errorf("malformed events: %w", err)
	}
	return events, nil
}

func answer(req *http.Request, status int, v wire.SendResponse) *http.Response {
	raw, _ := json.Marshal(v)
	return jsonResponse(req, status, raw)
}

// jsonResponse is an in-process HTTP response with a JSON body.
func jsonResponse(req *http.Request, status int, raw []byte) *http.Response {
	return &http.Response{
		Status:        fmt.Sprintf("%d %s", status, http.StatusText(status)),
		StatusCode:    status,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        http.Header{wire.HeaderContentType: []string{"application/json"}},
		Body:          io.NopCloser(bytes.NewReader(raw)),
		ContentLength: int64(len(raw)),
		Request:       req,
	}
}

// genericEvents converts wire events into the records' event type.
func genericEvents(events []wire.Event) []inngest.GenericEvent {
	out := make([]inngest.GenericEvent, len(events))
	for i, e := range events {
		out[i] = genericEvent(e)
	}
	return out
}

func genericEvent(e wire.Event) inngest.GenericEvent {
	g := inngest.GenericEvent{ID: e.ID, Name: e.Name, Timestamp: e.Timestamp, Version: e.Version}
	if !wire.IsNull(e.Data) {
		_ = json.Unmarshal(e.Data, &g.Data)
	}
	if !wire.IsNull(e.User) {
		_ = json.Unmarshal(e.User, &g.User)
	}
	return g
}
