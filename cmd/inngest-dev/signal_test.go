//go:build unix

package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/durablefn/inngest/internal/proctest"
)

// Shutting down waits for the calls in flight, which may take as long as
// a step does: a second SIGINT must end the process at once, as in any
// command-line program, rather than be ignored.
func TestSecondSignalKillsAtOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the server as a process")
	}
	called := make(chan struct{}, 1)
	release := make(chan struct{})
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case called <- struct{}{}:
		default:
		}
		<-release // a step that takes longer than the test
	}))
	defer app.Close()
	defer close(release)

	rig := newCrashRig(t)
	args := []string{"--port", strconv.Itoa(rig.port), "--db", filepath.Join(rig.dir, "state.db"), "--log-level", "warn"}
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), crashChildEnv+"="+strings.Join(args, "\x1f"))
	cmd.Stdout, cmd.Stderr = rig.logs, rig.logs
	require.NoError(t, cmd.Start())
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer func() { _ = cmd.Process.Kill() }()
	require.Eventually(t, func() bool {
		resp, err := http.Get(rig.base() + "/health")
		if err == nil {
			resp.Body.Close()
		}
		return err == nil
	}, 20*time.Second, 20*time.Millisecond, "the server did not come up")

	stepURL := app.URL + "/api?fnId=sig-slow&stepId=step"
	sync := fmt.Sprintf(`{"url":%q,"appName":"sig","functions":[{"id":"sig-slow","name":"slow","triggers":[{"event":"sig/slow"}],"steps":{"step":{"id":"step","name":"step","runtime":{"type":"http","url":%q}}}}]}`, app.URL+"/api", stepURL)
	resp, err := http.Post(rig.base()+"/fn/register", "application/json", strings.NewReader(sync))
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	resp, err = http.Post(rig.base()+"/e/key", "application/json", strings.NewReader(`{"name":"sig/slow"}`))
	require.NoError(t, err)
	resp.Body.Close()
	<-called // a call is in flight

	proctest.RequireSecondSignalKills(t, cmd.Process, exited)
}
