//go:build unix

package main

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/durablefn/inngest/internal/proctest"
)

// childEnv makes the test binary run main.
const childEnv = "EXAMPLE_SERVER_CHILD"

// As main's comment says: the first signal shuts down gracefully, waiting
// for calls in flight; a second one ends the process at once.
func TestSecondSignalEndsTheService(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the service as a process")
	}
	dev := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, `{"ok":true,"modified":true}`)
	}))
	defer dev.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	_, port, _ := net.SplitHostPort(addr)
	require.NoError(t, ln.Close())

	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), childEnv+"=1", "PORT="+port, "INNGEST_DEV="+dev.URL)
	require.NoError(t, cmd.Start())
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer func() { _ = cmd.Process.Kill() }()
	require.Eventually(t, func() bool {
		resp, err := http.Get("http://" + addr + "/api/inngest")
		if err == nil {
			resp.Body.Close()
		}
		return err == nil
	}, 20*time.Second, 20*time.Millisecond, "the service did not come up")

	// A call in flight: its body never ends, so a graceful shutdown
	// would wait its whole 25 s for it. The service answers "100
	// Continue" once the handler reads the body: from then on the call
	// is in flight, not a connection still waiting to be accepted, which
	// a shutdown would drop at once.
	conn, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	defer conn.Close()
	_, err = io.WriteString(conn, "POST /api/inngest?fnId=shop-fulfil-order&stepId=step HTTP/1.1\r\nHost: "+addr+"\r\nContent-Type: application/json\r\nContent-Length: 1000\r\nExpect: 100-continue\r\n\r\n")
	require.NoError(t, err)
	status, err := bufio.NewReader(conn).ReadString('\n')
	require.NoError(t, err)
	require.Contains(t, status, "100 Continue")
	_, err = io.WriteString(conn, "{")
	require.NoError(t, err)

	proctest.RequireSecondSignalKills(t, cmd.Process, exited)
}
