package devserver

import (
	"bytes"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
)

// router is an http.RoundTripper that serves requests for registered
// origins with an in-process http.Handler, and sends the rest through the
// next transport.
type router struct {
	next http.RoundTripper
	mu   sync.RWMutex
	m    map[string]http.Handler // origin ("http://host:port") → handler
}

func newRouter(next http.RoundTripper) *router {
	if next == nil {
		next = http.DefaultTransport
	}
	return &router{next: next, m: make(map[string]http.Handler)}
}

func originOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return strings.ToLower(u.Scheme + "://" + u.Host)
}

func (rt *router) add(origin string, h http.Handler) {
	rt.mu.Lock()
	rt.m[originOf(origin)] = h
	rt.mu.Unlock()
}

func (rt *router) setSelf(origin string, h http.Handler) { rt.add(origin, h) }

func (rt *router) closeIdle() {
	if c, ok := rt.next.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}

// RoundTrip serves req in-process when its origin is registered.
func (rt *router) RoundTrip(req *http.Request) (*http.Response, error) {
	rt.mu.RLock()
	h := rt.m[strings.ToLower(req.URL.Scheme+"://"+req.URL.Host)]
	rt.mu.RUnlock()
	if h == nil {
		return rt.next.RoundTrip(req)
	}
	if err := req.Context().Err(); err != nil {
		return nil, err
	}
	in := req.Clone(req.Context())
	if in.Body == nil {
		in.Body = http.NoBody
	}
	in.RequestURI = req.URL.RequestURI()
	in.RemoteAddr = "127.0.0.1:0"
	if in.Host == "" {
		in.Host = req.URL.Host
	}
	rec := &recorder{header: make(http.Header)}
	h.ServeHTTP(rec, in)
	if req.Body != nil {
		_ = req.Body.Close()
	}
	if rec.status == 0 {
		rec.status = http.StatusOK
	}
	return &http.Response{
		Status:        http.StatusText(rec.status),
		StatusCode:    rec.status,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        rec.header,
		Body:          io.NopCloser(bytes.NewReader(rec.body.Bytes())),
		ContentLength: int64(rec.body.Len()),
		Request:       req,
	}, nil
}

// recorder is a minimal http.ResponseWriter kept in memory.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header { return r.header }

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.body.Write(b)
}
