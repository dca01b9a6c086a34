package devserver

import (
	"bytes"
	"errors"
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
	if isUpgrade(req) {
		return upgrade(h, req) // a Connect worker dialing the gateway (connect_pipe.go)
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
	// Serve on a goroutine of its own, so that the call's context (and
	// with it CallTimeout and Close) ends the wait as it would over a
	// socket, and a panicking handler answers 500 as net/http's server
	// would rather than crashing the process.
	rec := &recorder{header: make(http.Header)}
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer func() {
			if p := recover(); p != nil {
				if err, ok := p.(error); ok && errors.Is(err, http.ErrAbortHandler) {
					return
				}
				rec.reset(http.StatusInternalServerError)
			}
		}()
		h.ServeHTTP(rec, in)
	}()
	select {
	case <-done:
	case <-req.Context().Done():
		return nil, req.Context().Err()
	}
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

// reset discards what a panicking handler wrote and answers status.
func (r *recorder) reset(status int) {
	r.header = make(http.Header)
	r.body.Reset()
	r.status = status
}

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
