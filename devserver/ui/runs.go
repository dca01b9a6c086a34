package ui

import (
	"net/http"
	"time"

	"github.com/durablefn/inngest/devserver"
)

// statuses are the run statuses the runs list filters by.
var statuses = []devserver.RunStatus{devserver.StatusRunning, devserver.StatusCompleted, devserver.StatusFailed, devserver.StatusCancelled}

// timeRange is a choice of the runs list's time filter.
type timeRange struct {
	Value, Label string
	d            time.Duration
}

var timeRanges = []timeRange{
	{"15m", "Last 15 minutes", 15 * time.Minute},
	{"1h", "Last hour", time.Hour},
	{"24h", "Last 24 hours", 24 * time.Hour},
	{"7d", "Last 7 days", 7 * 24 * time.Hour},
}

// runsData is what runs.html shows.
type runsData struct {
	Runs       []*devserver.Run
	Statuses   []devserver.RunStatus
	Ranges     []timeRange
	Functions  []devserver.FunctionInfo
	Status     string
	FunctionID string
	Since      string
	Names      map[string]string // function ID → name
}

// runs serves the runs list: GET /runs?status=&function=&since=.
func (h *Handler) runs(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	d := runsData{Statuses: statuses, Ranges: timeRanges, Status: q.Get("status"), FunctionID: q.Get("function"), Since: q.Get("since"), Names: map[string]string{}}
	f := devserver.RunFilter{FunctionID: d.FunctionID}
	if d.Status != "" {
		f.Status = devserver.RunStatus(d.Status)
		if !validStatus(f.Status) {
			h.fail(w, r, http.StatusBadRequest, "Unknown status "+d.Status+": use Running, Completed, Failed or Cancelled.")
			return
		}
	}
	if d.Since != "" {
		tr, ok := findRange(d.Since)
		if !ok {
			h.fail(w, r, http.StatusBadRequest, "Unknown time range "+d.Since+": use 15m, 1h, 24h or 7d.")
			return
		}
		f.Since = h.srv.Clock().Now().Add(-tr.d)
	}
	runs, err := h.srv.ListRuns(r.Context(), f)
	if err != nil {
		h.fail(w, r, http.StatusInternalServerError, "Listing runs failed: "+err.Error())
		return
	}
	d.Runs = runs
	for _, app := range h.srv.Apps() {
		for _, fn := range app.Functions {
			d.Functions = append(d.Functions, fn)
			d.Names[fn.ID] = fn.Name
		}
	}
	h.render(w, http.StatusOK, "runs", page{Title: "Runs", Nav: "runs", Data: d})
}

func validStatus(s devserver.RunStatus) bool {
	for _, v := range statuses {
		if s == v {
			return true
		}
	}
	return false
}

func findRange(v string) (timeRange, bool) {
	for _, tr := range timeRanges {
		if tr.Value == v {
			return tr, true
		}
	}
	return timeRange{}, false
}
