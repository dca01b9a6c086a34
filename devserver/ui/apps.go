package ui

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/durablefn/inngest/devserver"
)

// syncTimeout bounds a sync started from the UI.
const syncTimeout = 30 * time.Second

// maxSyncFails bounds the sync errors remembered.
const maxSyncFails = 256

// appsData is what apps.html shows.
type appsData struct {
	Apps   []appRow
	Synced string // the URL just synced
	URL    string // the sync form's URL
	Error  string // why the last sync from the form failed
}

// appRow is an app with the error of its last sync from the UI.
type appRow struct {
	devserver.AppInfo
	SyncError string
}

// apps serves the apps and their functions: GET /apps.
func (h *Handler) apps(w http.ResponseWriter, r *http.Request) {
	h.renderApps(w, http.StatusOK, appsData{Synced: r.URL.Query().Get("synced")})
}

func (h *Handler) renderApps(w http.ResponseWriter, status int, d appsData) {
	h.mu.Lock()
	for _, a := range h.srv.Apps() {
		d.Apps = append(d.Apps, appRow{AppInfo: a, SyncError: h.syncFails[a.URL]})
	}
	h.mu.Unlock()
	h.render(w, status, "apps", page{Title: "Apps", Nav: "apps", Data: d})
}

// syncApp serves POST /apps/sync with field "url": it asks the app to
// sync, as its re-sync button and the form to add an app do.
func (h *Handler) syncApp(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		h.fail(w, r, http.StatusRequestEntityTooLarge, "The form is larger than 1 MiB.")
		return
	}
	u := strings.TrimSpace(r.PostForm.Get("url"))
	if u == "" {
		h.renderApps(w, http.StatusBadRequest, appsData{Error: "Enter the URL of the app's Inngest endpoint, such as http://127.0.0.1:3000/api/inngest."})
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), syncTimeout)
	defer cancel()
	err := h.srv.SyncApp(ctx, u)
	h.mu.Lock()
	if err != nil {
		if len(h.syncFails) >= maxSyncFails {
			clear(h.syncFails) // URLs typed into the form need not be apps
		}
		h.syncFails[u] = strings.TrimPrefix(err.Error(), "devserver: ")
	} else {
		delete(h.syncFails, u)
	}
	h.mu.Unlock()
	if err != nil {
		h.renderApps(w, http.StatusBadGateway, appsData{URL: u, Error: strings.TrimPrefix(err.Error(), "devserver: ")})
		return
	}
	h.seeOther(w, r, "/apps?synced="+url.QueryEscape(u))
}
