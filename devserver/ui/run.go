package ui

import (
	"errors"
	"net/http"

	"github.com/durablefn/inngest/devserver"
)

// runData is what run.html shows.
type runData struct {
	Run      *devserver.Run
	Function string // the function's name, when it is still synced
	Events   []*devserver.StoredEvent
	Rows     []*bar
	Output   string
	Message  string // the outcome of an action, from the query string
}

// run serves a run's page: GET /runs/{id}.
func (h *Handler) run(w http.ResponseWriter, r *http.Request) {
	rn := h.srv.Run(r.PathValue("id"))
	if rn == nil {
		h.fail(w, r, http.StatusNotFound, "There is no run "+r.PathValue("id")+": it never existed, or it was dropped after it ended.")
		return
	}
	d := runData{Run: rn, Rows: waterfall(rn, h.srv.Clock().Now()), Output: prettyJSON(rn.Output)}
	for _, id := range rn.EventIDs {
		if ev := h.srv.EventByID(id); ev != nil {
			d.Events = append(d.Events, ev)
		}
	}
	for _, app := range h.srv.Apps() {
		for _, fn := range app.Functions {
			if fn.ID == rn.FunctionID {
				d.Function = fn.Name
			}
		}
	}
	switch r.URL.Query().Get("did") {
	case "cancel":
		d.Message = "Cancellation requested."
	case "rerun":
		d.Message = "This run reruns an earlier one."
	}
	h.render(w, http.StatusOK, "run", page{Title: "Run " + rn.ID, Nav: "runs", Data: d})
}

// cancel serves POST /runs/{id}/cancel.
func (h *Handler) cancel(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	err := h.srv.CancelRun(r.Context(), id)
	switch {
	case errors.Is(err, devserver.ErrRunNotFound):
		h.fail(w, r, http.StatusNotFound, "There is no run "+id+".")
	case errors.Is(err, devserver.ErrRunEnded):
		h.fail(w, r, http.StatusConflict, "Run "+id+" has already ended.")
	case err != nil:
		h.fail(w, r, http.StatusInternalServerError, "Cancelling failed: "+err.Error())
	default:
		h.seeOther(w, r, "/runs/"+id+"?did=cancel")
	}
}

// rerun serves POST /runs/{id}/rerun.
func (h *Handler) rerun(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	newID, err := h.srv.Rerun(r.Context(), id)
	switch {
	case errors.Is(err, devserver.ErrRunNotFound):
		h.fail(w, r, http.StatusNotFound, "There is no run "+id+".")
	case errors.Is(err, devserver.ErrFunctionGone):
		h.fail(w, r, http.StatusConflict, "Run "+id+"'s function is no longer synced; sync its app and try again.")
	case err != nil:
		h.fail(w, r, http.StatusConflict, "Rerunning failed: "+err.Error())
	default:
		h.seeOther(w, r, "/runs/"+newID+"?did=rerun")
	}
}
