package ui_test

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/durablefn/inngest/devserver"
	"github.com/durablefn/inngest/devserver/ui"
)

// openStream starts GET /stream and returns its reader.
func openStream(t *testing.T, ctx context.Context, base string) (*http.Response, *bufio.Reader) {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/stream", nil)
	require.NoError(t, err)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, "text/event-stream", resp.Header.Get("Content-Type"))
	br := bufio.NewReader(resp.Body)
	line, err := br.ReadString('\n')
	require.NoError(t, err)
	require.Equal(t, "retry: 2000\n", line)
	msg, err := nextMessage(br)
	require.NoError(t, err)
	require.Equal(t, "data: change\n", msg, "a first message at once")
	return resp, br
}

// nextMessage reads up to the next data line.
func nextMessage(br *bufio.Reader) (string, error) {
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			return "", err
		}
		if len(line) > 6 && line[:6] == "data: " {
			return line, nil
		}
	}
}

func TestStreamTellsOfChangesAndEndsWithTheRequest(t *testing.T) {
	f := newFixture(t, devserver.Config{NoListener: true})
	ts := httptest.NewServer(ui.New(f.srv, nil))
	defer ts.Close()
	ctx, cancel := context.WithCancel(ctxT(t))
	resp, br := openStream(t, ctx, ts.URL)
	defer resp.Body.Close()

	send(t, f.srv, "demo/anything", nil)
	msg, err := nextMessage(br)
	require.NoError(t, err)
	require.Equal(t, "data: change\n", msg)
	send(t, f.srv, "demo/anything", nil)
	msg, err = nextMessage(br)
	require.NoError(t, err)
	require.Equal(t, "data: change\n", msg)

	cancel()
	_, err = io.ReadAll(resp.Body)
	require.Error(t, err, "the request was cancelled")
	// goleak in TestMain checks that the handler returned.
}

func TestStreamEndsWhenTheServerCloses(t *testing.T) {
	srv, err := devserver.New(devserver.Config{NoListener: true, Clock: devserver.NewVirtualClock(time.Time{})})
	require.NoError(t, err)
	require.NoError(t, srv.Start(ctxT(t)))
	ts := httptest.NewServer(ui.New(srv, nil))
	defer ts.Close()
	resp, br := openStream(t, ctxT(t), ts.URL)
	defer resp.Body.Close()

	closeCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(t, srv.Close(closeCtx))
	_, err = io.ReadAll(br)
	require.NoError(t, err, "the stream ends once the server closes")
}

func TestStreamOnTheServersOwnListenerLetsItClose(t *testing.T) {
	f := newFixture(t, devserver.Config{Addr: "127.0.0.1:0"})
	resp, _ := openStream(t, ctxT(t), f.srv.URL())
	defer resp.Body.Close()
	// newFixture's cleanup closes the server, whose HTTP shutdown waits
	// for this stream to end: it must not wait for its timeout.
}
