package ui

import (
	"bytes"
	"embed"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/durablefn/inngest/devserver"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Config configures the UI. Its zero value is valid.
type Config struct {
	// Prefix is the path the UI is mounted at when an embedding program
	// strips one (http.StripPrefix("/ui", …) needs Prefix "/ui"), so that
	// its links and forms point back at it. Default: the UI is at "/".
	Prefix string
	// Logger receives the errors of rendering a page. Default: a logger
	// that discards.
	Logger *slog.Logger
}

// refreshInterval is the least time between two change notifications of
// one stream: a busy server changes thousands of times a second, and
// each notification makes the browser fetch the page again.
const refreshInterval = 250 * time.Millisecond

// Handler serves the UI of one devserver.Server. Create it with New.
type Handler struct {
	srv    *devserver.Server
	prefix string
	log    *slog.Logger
	pages  map[string]*template.Template
	mux    *http.ServeMux

	mu        sync.Mutex
	syncFails map[string]string // app URL → the error of its last sync from the UI
}

// New returns the UI of srv. cfg may be nil.
func New(srv *devserver.Server, cfg *Config) *Handler {
	var c Config
	if cfg != nil {
		c = *cfg
	}
	h := &Handler{srv: srv, prefix: strings.TrimRight(c.Prefix, "/"), log: c.Logger, syncFails: map[string]string{}}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	h.pages = parsePages(h.funcs())
	static, _ := fs.Sub(staticFS, "static")
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, h.url("/runs"), http.StatusFound)
	})
	mux.HandleFunc("GET /runs", h.runs)
	mux.HandleFunc("GET /runs/{id}", h.run)
	mux.HandleFunc("POST /runs/{id}/cancel", h.cancel)
	mux.HandleFunc("POST /runs/{id}/rerun", h.rerun)
	mux.HandleFunc("GET /events", h.events)
	mux.HandleFunc("POST /events", h.sendEvent)
	mux.HandleFunc("GET /apps", h.apps)
	mux.HandleFunc("POST /apps/sync", h.syncApp)
	mux.HandleFunc("GET /stream", h.stream)
	mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(static)))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		h.fail(w, r, http.StatusNotFound, "There is no page at "+r.URL.Path+".")
	})
	h.mux = mux
	return h
}

// ServeHTTP serves a page, an action or a static file.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hd := w.Header()
	hd.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; "+
		"connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Referrer-Policy", "same-origin")
	if r.Method == http.MethodPost && !sameOrigin(r) {
		h.fail(w, r, http.StatusForbidden, "Cross-origin requests may not act on runs, events or apps.")
		return
	}
	h.mux.ServeHTTP(w, r)
}

// sameOrigin refuses what a browser marks as sent from another site, so
// that no web page can cancel runs or send events through a visitor's
// browser. Requests without the headers (curl, tests) are not browsers'.
func sameOrigin(r *http.Request) bool {
	switch r.Header.Get("Sec-Fetch-Site") {
	case "", "same-origin", "none":
	default:
		return false
	}
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	u, err := url.Parse(origin)
	return err == nil && u.Host == r.Host
}

// url is an absolute path inside the UI.
func (h *Handler) url(path string) string { return h.prefix + path }

// page is what every page template receives.
type page struct {
	Title string
	Nav   string // the section the page belongs to: runs, events or apps
	Now   time.Time
	Data  any
}

// render writes a page, or a plain 500 when its template fails.
func (h *Handler) render(w http.ResponseWriter, status int, name string, p page) {
	p.Now = h.srv.Clock().Now()
	var buf bytes.Buffer
	if err := h.pages[name].ExecuteTemplate(&buf, "layout", p); err != nil {
		h.log.Error("ui: rendering a page", "page", name, "error", err)
		http.Error(w, "rendering the page failed", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// fail renders the error page.
func (h *Handler) fail(w http.ResponseWriter, _ *http.Request, status int, msg string) {
	h.render(w, status, "error", page{Title: http.StatusText(status), Data: msg})
}

// seeOther answers a form with a redirect to path, so that reloading the
// page it leads to does not repeat the action.
func (h *Handler) seeOther(w http.ResponseWriter, r *http.Request, path string) {
	http.Redirect(w, r, h.url(path), http.StatusSeeOther)
}
