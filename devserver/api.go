package devserver

import (
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/durablefn/inngest/internal/sign"
	"github.com/durablefn/inngest/internal/wire"
)

// Handler returns the server's HTTP API, shaped like the real server's:
//
//	POST /e/{key}                 send one event or an array of events
//	POST /fn/register             sync an app (out-of-band registration)
//	POST /v0/apps                 ask the app at {"url": …} to sync
//	GET  /v0/runs/{id}/batch      a run's events (use_api)
//	GET  /v0/runs/{id}/actions    a run's memoized steps (use_api)
//	GET  /v1/events/{id}/runs     the runs an event started
//	GET  /v1/runs/{id}            one run, with its timeline
//	DELETE /v1/runs/{id}          cancel a run (between steps)
//	POST /v1/signals              resume the run waiting for a signal
//	POST /v1/checkpoint/{id}/async  save steps an SDK ran while its call goes on
//	GET  /health                  liveness
//
// Every other request goes to Config.UI's handler when one is set.
//
// When Config.SigningKey is set, every endpoint but POST /e and /health
// requires Authorization: Bearer <hashed signing key>, as `inngest start`
// does, and answers 401 without it.
//
// Errors are JSON objects {"error": "…"} with a 4xx or 5xx status.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /e/{key}", s.handleEvents)
	mux.HandleFunc("POST /e/", s.handleEvents)
	mux.HandleFunc("POST /fn/register", s.handleRegister)
	mux.HandleFunc("POST /v0/apps", s.handleSyncApp)
	mux.HandleFunc("GET /v0/runs/{id}/batch", s.handleBatch)
	mux.HandleFunc("GET /v0/runs/{id}/actions", s.handleActions)
	mux.HandleFunc("GET /v1/events/{id}/runs", s.handleEventRuns)
	mux.HandleFunc("GET /v1/runs/{id}", s.handleRun)
	mux.HandleFunc("DELETE /v1/runs/{runID}", s.handleCancelRun)
	mux.HandleFunc("POST /v1/signals", s.handleSignal)
	mux.HandleFunc("POST /v1/checkpoint/{runID}/async", s.handleCheckpoint)
	mux.HandleFunc("POST /v1/http/runs/{runID}/async", s.handleCheckpoint)
	s.gw.routes(mux)
	mux.HandleFunc("GET /health", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{"status": 200, "message": "OK"})
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if s.ui != nil {
			s.ui.ServeHTTP(w, r)
			return
		}
		writeError(w, http.StatusNotFound, "no such endpoint: "+r.Method+" "+r.URL.Path)
	})
	return mux
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"error":"encoding the response failed"}`)
	}
	w.Header().Set(wire.HeaderContentType, "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]any{"error": msg, "status": status})
}

// readBody reads a bounded body, answering 413 or 400 itself on failure.
func (s *Server) readBody(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.cfg.MaxBodyBytes))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("request body larger than %d bytes", s.cfg.MaxBodyBytes))
			return nil, false
		}
		writeError(w, http.StatusBadRequest, "reading the request body failed")
		return nil, false
	}
	return b, true
}

// authorized checks the bearer token when a signing key is set, as the
// real server does: the signkey-<env>- prefixes of both keys play no
// part, and the token may be the hashed key (what SDKs send) or the key
// itself. Neither key appears in the answer.
func (s *Server) authorized(w http.ResponseWriter, r *http.Request) bool {
	if s.cfg.SigningKey == "" {
		return true
	}
	got := r.Header.Get(wire.HeaderAuthorization)
	if len(got) > 7 && strings.EqualFold(got[:7], "Bearer ") {
		got = sign.StripPrefix(got[7:])
	} else {
		got = ""
	}
	// Both comparisons run, so that timing tells nothing of which failed.
	okHashed := subtle.ConstantTimeCompare([]byte(got), []byte(s.bearerHashed))
	okPlain := subtle.ConstantTimeCompare([]byte(got), []byte(s.bearer))
	if got == "" || okHashed|okPlain != 1 {
		writeError(w, http.StatusUnauthorized, "missing or wrong bearer token: send Authorization: Bearer <hashed signing key>")
		return false
	}
	return true
}

func (s *Server) handleEvents(w http.ResponseWriter, r *http.Request) {
	key := r.PathValue("key")
	if s.cfg.EventKey != "" && subtle.ConstantTimeCompare([]byte(key), []byte(s.cfg.EventKey)) != 1 {
		writeError(w, http.StatusUnauthorized, "unknown event key")
		return
	}
	body, ok := s.readBody(w, r)
	if !ok {
		return
	}
	events, err := s.parseEvents(body)
	if err != nil {
		writeJSON(w, http.StatusBadRequest, wire.SendResponse{IDs: []string{}, Status: http.StatusBadRequest, Error: err.Error()})
		return
	}
	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		writeError(w, http.StatusServiceUnavailable, "the server is shutting down")
		return
	}
	if n := s.queued(); n >= s.cfg.MaxQueuedCalls {
		s.mu.Unlock()
		w.Header().Set(wire.HeaderRetryAfter, "1")
		writeJSON(w, http.StatusTooManyRequests, wire.SendResponse{IDs: []string{}, Status: http.StatusTooManyRequests,
			Error: fmt.Sprintf("overloaded: %d calls are waiting to run; no event was accepted, retry later", n)})
		return
	}
	ids := s.ingest(events, parseIDSeed(r.Header.Get(headerEventIDSeed)))
	done := s.durable()
	s.unlock()
	// An event is answered 2xx only once it is durable.
	if err := awaitDurable(r.Context(), done); err != nil {
		writeJSON(w, http.StatusServiceUnavailable, wire.SendResponse{IDs: []string{}, Status: http.StatusServiceUnavailable,
			Error: "the events could not be made durable: " + err.Error()})
		return
	}
	writeJSON(w, http.StatusOK, wire.SendResponse{IDs: ids, Status: http.StatusOK})
}

func (s *Server) handleRegister(w http.ResponseWriter, r *http.Request) {
	if !s.authorized(w, r) {
		return
	}
	body, ok := s.readBody(w, r)
	if !ok {
		return
	}
	var req wire.RegisterRequest
	if err := json.Unmarshal(body, &req); err != nil {
		writeJSON(w, http.StatusBadRequest, wire.RegisterResponse{Error: "malformed sync payload: " + err.Error()})
		return
	}
	modified, err := s.register(&req)
	if err != nil {
		writeJSON(w, http.StatusBadRequest, wire.RegisterResponse{Error: "invalid sync payload: " + err.Error()})
		return
	}
	s.mu.Lock()
	done := s.durable()
	s.mu.Unlock()
	if err := awaitDurable(r.Context(), done); err != nil {
		writeJSON(w, http.StatusServiceUnavailable, wire.RegisterResponse{Error: "the sync could not be made durable: " + err.Error()})
		return
	}
	writeJSON(w, http.StatusOK, wire.RegisterResponse{OK: true, Modified: modified})
}

func (s *Server) handleSyncApp(w http.ResponseWriter, r *http.Request) {
	if !s.authorized(w, r) {
		return
	}
	body, ok := s.readBody(w, r)
	if !ok {
		return
	}
	var in struct {
		URL string `json:"url"`
	}
	if err := json.Unmarshal(body, &in); err != nil || in.URL == "" {
		writeError(w, http.StatusBadRequest, `body must be {"url": "<the app's URL>"}`)
		return
	}
	if err := s.SyncApp(r.Context(), in.URL); err != nil {
		writeSyncAppError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"ok": true})
}

func (s *Server) handleBatch(w http.ResponseWriter, r *http.Request) {
	if !s.authorized(w, r) {
		return
	}
	s.mu.Lock()
	rn := s.st.run(r.PathValue("id"))
	var events []json.RawMessage
	if rn != nil {
		events = rn.events
	}
	s.mu.Unlock()
	if rn == nil {
		writeError(w, http.StatusNotFound, "no run with that ID")
		return
	}
	writeJSON(w, http.StatusOK, events)
}

func (s *Server) handleActions(w http.ResponseWriter, r *http.Request) {
	if !s.authorized(w, r) {
		return
	}
	s.mu.Lock()
	rn := s.st.run(r.PathValue("id"))
	steps := map[string]json.RawMessage{}
	if rn != nil {
		for k, v := range rn.steps {
			steps[k] = v
		}
	}
	s.mu.Unlock()
	if rn == nil {
		writeError(w, http.StatusNotFound, "no run with that ID")
		return
	}
	writeJSON(w, http.StatusOK, steps)
}

// handleEventRuns serves GET /v1/events/{id}/runs. As on the real server,
// a batch run is listed under the batch's last event only (Server.Runs
// finds it through any of its events).
func (s *Server) handleEventRuns(w http.ResponseWriter, r *http.Request) {
	if !s.authorized(w, r) {
		return
	}
	id := r.PathValue("id")
	if !isULID(id) {
		// As the real server: the path holds the internal ID that POST /e
		// answered with, never the event's own "id" field.
		writeError(w, http.StatusBadRequest, "invalid event ID: "+id+" (use an ID from the event API's \"ids\")")
		return
	}
	runs := []*Run{}
	for _, rn := range s.eventRuns(id, false) {
		if rn.EventID == id { // else a batch run, listed under its last event
			runs = append(runs, rn)
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": runs})
}

func (s *Server) handleRun(w http.ResponseWriter, r *http.Request) {
	if !s.authorized(w, r) {
		return
	}
	if !validRunID(w, r.PathValue("id")) {
		return
	}
	rn := s.Run(r.PathValue("id"))
	if rn == nil {
		writeError(w, http.StatusNotFound, "no run with that ID")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": rn})
}

// validRunID answers 400 for a run ID that is not one this server could
// have issued (a ULID), as the real server does for an ID that does not
// parse; an unknown well-formed ID is a 404.
func validRunID(w http.ResponseWriter, id string) bool {
	if !isULID(id) {
		writeError(w, http.StatusBadRequest, "invalid run ID: "+id)
		return false
	}
	return true
}
