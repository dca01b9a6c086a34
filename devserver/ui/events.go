package ui

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/durablefn/inngest/devserver"
)

// exampleEvent fills the send form at first.
const exampleEvent = `{
  "name": "demo/hello",
  "data": {}
}`

// maxFormBytes bounds the send form's body.
const maxFormBytes = 1 << 20

// eventsData is what events.html shows.
type eventsData struct {
	Events []eventRow
	Name   string
	Sent   []string
	Form   string // the form's text
	Error  string // why the form's text was refused
}

// eventRow is one event of the list, with the runs it started.
type eventRow struct {
	*devserver.StoredEvent
	Runs []*devserver.Run
}

// events serves the events list and the send form: GET /events?name=.
func (h *Handler) events(w http.ResponseWriter, r *http.Request) {
	d := eventsData{Form: exampleEvent, Name: r.URL.Query().Get("name")}
	if sent := r.URL.Query().Get("sent"); sent != "" {
		d.Sent = strings.Split(sent, ",")
	}
	h.renderEvents(w, r, http.StatusOK, d)
}

func (h *Handler) renderEvents(w http.ResponseWriter, r *http.Request, status int, d eventsData) {
	evs, err := h.srv.ListEvents(r.Context(), devserver.EventFilter{Name: d.Name})
	if err != nil {
		h.fail(w, r, http.StatusInternalServerError, "Listing events failed: "+err.Error())
		return
	}
	for _, ev := range evs {
		row := eventRow{StoredEvent: ev}
		for _, rn := range h.srv.Runs(ev.ID) {
			rn.Timeline, rn.Steps = nil, nil
			row.Runs = append(row.Runs, rn)
		}
		d.Events = append(d.Events, row)
	}
	h.render(w, status, "events", page{Title: "Events", Nav: "events", Data: d})
}

// sendEvent serves the send form: POST /events with field "event", one
// event as JSON or an array of them.
func (h *Handler) sendEvent(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		h.fail(w, r, http.StatusRequestEntityTooLarge, "The form is larger than 1 MiB.")
		return
	}
	text := r.PostForm.Get("event")
	events, err := parseEventForm(text)
	var ids []string
	if err == nil {
		ids, err = h.srv.SendEvent(r.Context(), events...)
	}
	if err != nil {
		msg := strings.TrimPrefix(err.Error(), "devserver: ")
		h.renderEvents(w, r, http.StatusBadRequest, eventsData{Form: text, Error: msg})
		return
	}
	h.seeOther(w, r, "/events?sent="+url.QueryEscape(strings.Join(ids, ",")))
}

// formEvent is an event as the form takes it.
type formEvent struct {
	ID   string          `json:"id"`
	Name string          `json:"name"`
	Data json.RawMessage `json:"data"`
	User json.RawMessage `json:"user"`
	TS   int64           `json:"ts"`
}

// parseEventForm reads the form's JSON: an event object or an array of
// them. Its errors say where the JSON went wrong.
func parseEventForm(text string) ([]devserver.Event, error) {
	b := bytes.TrimSpace([]byte(text))
	if len(b) == 0 {
		return nil, errors.New(`enter an event as JSON, such as {"name": "demo/hello", "data": {}}`)
	}
	var list []formEvent
	var err error
	if b[0] == '[' {
		err = json.Unmarshal(b, &list)
	} else {
		var one formEvent
		err = json.Unmarshal(b, &one)
		list = []formEvent{one}
	}
	if err != nil {
		return nil, jsonError(b, err)
	}
	if len(list) == 0 {
		return nil, errors.New("the array holds no event")
	}
	out := make([]devserver.Event, len(list))
	for i, e := range list {
		out[i] = devserver.Event{ID: e.ID, Name: e.Name, Timestamp: e.TS}
		if len(e.Data) > 0 {
			out[i].Data = e.Data
		}
		if len(e.User) > 0 {
			out[i].User = e.User
		}
	}
	return out, nil
}

// jsonError says where JSON failed to parse, by line and column.
func jsonError(b []byte, err error) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		line, col := position(b, se.Offset)
		return fmt.Errorf("invalid JSON at line %d, column %d: %s", line, col, se.Error())
	case errors.As(err, &te):
		what := "an event must be a JSON object"
		if te.Field != "" {
			what = fmt.Sprintf("%q must not be a JSON %s", te.Field, te.Value)
		}
		return fmt.Errorf("%s (at line %d)", what, first(position(b, te.Offset)))
	}
	return fmt.Errorf("invalid JSON: %w", err)
}

// position is the line and column (from 1) of the byte before offset.
func position(b []byte, offset int64) (line, col int) {
	offset = min(max(offset, 1), int64(len(b)))
	before := b[:offset-1]
	line = bytes.Count(before, []byte("\n")) + 1
	col = len(before) - bytes.LastIndexByte(before, '\n')
	return line, col
}

func first(a, _ int) int { return a }
