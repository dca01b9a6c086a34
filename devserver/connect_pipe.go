package devserver

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
)

// isUpgrade reports a WebSocket upgrade request.
func isUpgrade(req *http.Request) bool {
	return strings.EqualFold(req.Header.Get("Upgrade"), "websocket")
}

// upgrade serves a WebSocket upgrade in-process: the handler hijacks one
// end of a pipe and the response's body is the other, as a real socket's
// is, so Connect workers reach a server without a listener.
func upgrade(h http.Handler, req *http.Request) (*http.Response, error) {
	client, server := net.Pipe()
	hw := &hijackWriter{header: make(http.Header), conn: server, hijacked: make(chan struct{})}
	in := req.Clone(req.Context())
	in.RequestURI = req.URL.RequestURI()
	in.RemoteAddr = "127.0.0.1:0"
	if in.Host == "" {
		in.Host = req.URL.Host
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		h.ServeHTTP(hw, in)
	}()
	select {
	case <-hw.hijacked:
		return &http.Response{
			Status: "101 Switching Protocols", StatusCode: http.StatusSwitchingProtocols,
			Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
			Header: hw.header, Body: client, Request: req,
		}, nil
	case <-done:
		_ = client.Close()
		_ = server.Close()
		status := hw.status
		if status == 0 {
			status = http.StatusOK
		}
		return &http.Response{
			Status: http.StatusText(status), StatusCode: status, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
			Header: hw.header, Body: io.NopCloser(bytes.NewReader(hw.body.Bytes())), Request: req,
		}, nil
	case <-req.Context().Done():
		_ = client.Close()
		_ = server.Close()
		return nil, req.Context().Err()
	}
}

// hijackWriter is an http.ResponseWriter over a pipe that the handler
// may hijack once it has written 101.
type hijackWriter struct {
	header   http.Header
	status   int
	body     bytes.Buffer
	conn     net.Conn
	once     sync.Once
	hijacked chan struct{}
}

func (w *hijackWriter) Header() http.Header { return w.header }

func (w *hijackWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
}

func (w *hijackWriter) Write(b []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	return w.body.Write(b)
}

// Hijack hands over the pipe's server end after a 101.
func (w *hijackWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	if w.status != http.StatusSwitchingProtocols {
		return nil, nil, errors.New("devserver: hijack without a 101 answer")
	}
	w.once.Do(func() { close(w.hijacked) })
	return w.conn, bufio.NewReadWriter(bufio.NewReader(w.conn), bufio.NewWriter(w.conn)), nil
}
