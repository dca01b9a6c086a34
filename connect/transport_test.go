package connect_test

import (
	"errors"
	"io"
	"net/http"
	"sync"
)

// tapTransport records the WebSocket connections a worker dials, so a
// test can cut them, and can refuse new dials while it is down.
type tapTransport struct {
	next  http.RoundTripper
	mu    sync.Mutex
	conns []io.Closer
	down  bool
	dials chan struct{} // a connection was dialed
}

func newTap(next http.RoundTripper) *tapTransport {
	return &tapTransport{next: next, dials: make(chan struct{}, 16)}
}

func (t *tapTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	upgrade := req.Header.Get("Upgrade") != ""
	t.mu.Lock()
	down := t.down
	t.mu.Unlock()
	if upgrade && down {
		return nil, errors.New("tap: the network is down")
	}
	resp, err := t.next.RoundTrip(req)
	if err == nil && resp.StatusCode == http.StatusSwitchingProtocols {
		t.mu.Lock()
		t.conns = append(t.conns, resp.Body)
		t.mu.Unlock()
		t.dials <- struct{}{}
	}
	return resp, err
}

// cut closes every connection dialed so far, as a network failure would,
// and with down refuses new ones until setDown(false).
func (t *tapTransport) cut(down bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.down = down
	for _, c := range t.conns {
		_ = c.Close()
	}
	t.conns = nil
}

func (t *tapTransport) setDown(down bool) {
	t.mu.Lock()
	t.down = down
	t.mu.Unlock()
}
