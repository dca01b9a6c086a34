package main

import (
	"bytes"
	"context"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/handler"
	"github.com/durablefn/inngest/step"
)

// The crash test kills inngest-dev --db with SIGKILL at random moments
// while events flow through functions with steps, retries, sleeps, waits,
// a batch and a cron, restarts it on the same file each time, and then
// checks that nothing accepted was lost or done twice.

var crashKills = flag.Int("crash.kills", 30, "SIGKILLs in TestCrashSIGKILL (CI: 30; raise it for a longer soak)")

// crashChildEnv makes the test binary run a server: its value holds the
// server's arguments, separated by \x1f.
const crashChildEnv = "INNGEST_DEV_CRASH_CHILD"

func crashChild(args string) int {
	ctx, stop := signalContext()
	defer stop()
	if err := run(ctx, strings.Split(args, "\x1f"), os.Stdout, os.Stderr, nil); err != nil {
		fmt.Fprintln(os.Stderr, "inngest-dev:", err)
		return 1
	}
	return 0
}

func TestCrashSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("a minute of kills and restarts")
	}
	rig := newCrashRig(t)
	rig.serveApp()
	rig.startServer(true) // events flow once the app is synced
	stop := rig.sendEvents()
	for i := 0; i < *crashKills; i++ {
		if i > 0 {
			rig.startServer(false)
		}
		time.Sleep(time.Duration(100+rand.IntN(1400)) * time.Millisecond) // a random moment
		if i%2 == 1 {
			// Or the moment an event was answered 2xx: it must be durable.
			select {
			case <-rig.acked:
			case <-time.After(time.Second):
			}
		}
		rig.kill()
	}
	stop()
	rig.startServer(false)
	defer rig.stopServer()
	rig.waitAllDone(30 * time.Second)
	rig.check()
}

type crashRig struct {
	t      *testing.T
	dir    string
	port   int
	appURL string
	srv    *exec.Cmd
	logs   *os.File

	mu       sync.Mutex
	accepted map[string]string            // event key → kind
	produced map[string]map[string]string // run ID → step → last value the app produced
	byKey    map[string]map[string]bool   // event key → run IDs the app ran for it
	batches  map[string][]string          // batch run ID → event keys
	crons    map[string]string            // cron run ID → scheduledAt
	attempts map[string]int               // run ID → attempts at the flaky step
	eventIDs map[string][]string          // event key → internal IDs the server answered
	acked    chan struct{}                // signalled when an event was answered 2xx
}

func newCrashRig(t *testing.T) *crashRig {
	dir := t.TempDir()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := ln.Addr().(*net.TCPAddr).Port
	require.NoError(t, ln.Close())
	logs, err := os.Create(filepath.Join(dir, "server.log"))
	require.NoError(t, err)
	t.Cleanup(func() {
		logs.Close()
		if t.Failed() {
			b, _ := os.ReadFile(logs.Name())
			if len(b) > 20000 {
				b = b[len(b)-20000:]
			}
			t.Logf("server log (tail):\n%s", b)
		}
	})
	return &crashRig{
		t: t, dir: dir, port: port, logs: logs,
		accepted: map[string]string{}, produced: map[string]map[string]string{}, byKey: map[string]map[string]bool{},
		batches: map[string][]string{}, crons: map[string]string{}, attempts: map[string]int{}, eventIDs: map[string][]string{}, acked: make(chan struct{}),
	}
}

func (rig *crashRig) base() string { return "http://127.0.0.1:" + strconv.Itoa(rig.port) }

type keyData struct {
	K string `json:"k"`
}

// serveApp serves the functions on a socket that outlives every server.
func (rig *crashRig) serveApp() {
	t := rig.t
	c, err := inngest.NewClient(inngest.ClientConfig{AppID: "crash", Dev: rig.base(), Logger: quietLogger()})
	require.NoError(t, err)
	rig.defineSteps(c)
	rig.defineWait(c)
	rig.defineBatch(c)
	rig.defineCron(c)
	app := httptest.NewServer(handler.New(c, handler.Config{}))
	t.Cleanup(app.Close)
	rig.appURL = app.URL + "/api/inngest"
}

func (rig *crashRig) saw(key, runID string) {
	rig.mu.Lock()
	defer rig.mu.Unlock()
	if rig.byKey[key] == nil {
		rig.byKey[key] = map[string]bool{}
	}
	rig.byKey[key][runID] = true
}

// value returns a fresh value for a step and records it.
func (rig *crashRig) value(runID, stepID string) string {
	v := stepID + "-" + strconv.FormatUint(rand.Uint64(), 36)
	rig.mu.Lock()
	defer rig.mu.Unlock()
	if rig.produced[runID] == nil {
		rig.produced[runID] = map[string]string{}
	}
	rig.produced[runID][stepID] = v
	return v
}

func (rig *crashRig) defineSteps(c *inngest.Client) {
	_, err := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "steps", Retries: inngest.Ptr(3)}, inngest.On[keyData]("crash/steps"),
		func(ctx context.Context, in inngest.Input[keyData]) (string, error) {
			rig.saw(in.Event.Data.K, in.RunID)
			a, err := step.Run(ctx, "a", func(context.Context) (string, error) { return rig.value(in.RunID, "a"), nil })
			if err != nil {
				return "", err
			}
			f, err := step.Run(ctx, "flaky", func(context.Context) (string, error) {
				rig.mu.Lock()
				rig.attempts[in.RunID]++
				n := rig.attempts[in.RunID]
				rig.mu.Unlock()
				if n == 1 {
					return "", inngest.RetryAfter(errors.New("the first attempt fails"), time.Second)
				}
				return rig.value(in.RunID, "flaky"), nil
			})
			if err != nil {
				return "", err
			}
			if err := step.Sleep(ctx, "nap", 700*time.Millisecond); err != nil {
				return "", err
			}
			b, err := step.Run(ctx, "b", func(context.Context) (string, error) { return rig.value(in.RunID, "b"), nil })
			return a + "|" + f + "|" + b, err
		})
	require.NoError(rig.t, err)
}

func (rig *crashRig) defineWait(c *inngest.Client) {
	reply := inngest.EventType[keyData]("crash/reply")
	_, err := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "wait"}, inngest.On[keyData]("crash/wait"),
		func(ctx context.Context, in inngest.Input[keyData]) (bool, error) {
			rig.saw(in.Event.Data.K, in.RunID)
			ev, err := step.WaitForEvent(ctx, "reply", reply, step.WaitOpts{Timeout: 3 * time.Second, Match: "data.k"})
			return ev != nil, err
		})
	require.NoError(rig.t, err)
}

func (rig *crashRig) defineBatch(c *inngest.Client) {
	_, err := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "batch", BatchEvents: &inngest.BatchEvents{MaxSize: 4, Timeout: 2 * time.Second}},
		inngest.On[keyData]("crash/batch"),
		func(ctx context.Context, in inngest.Input[keyData]) (int, error) {
			var keys []string
			for _, ev := range in.Events {
				keys = append(keys, ev.Data.K)
			}
			rig.mu.Lock()
			rig.batches[in.RunID] = keys
			rig.mu.Unlock()
			return len(keys), nil
		})
	require.NoError(rig.t, err)
}

func (rig *crashRig) defineCron(c *inngest.Client) {
	_, err := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "cron"}, inngest.OnCron("* * * * *"),
		func(ctx context.Context, in inngest.Input[inngest.CronData]) (string, error) {
			rig.mu.Lock()
			rig.crons[in.RunID] = strconv.FormatInt(in.Event.Timestamp, 10)
			rig.mu.Unlock()
			return in.Event.Data.Cron, nil
		})
	require.NoError(rig.t, err)
}

// startServer starts a server process on the database and waits until
// it answers; the first time, until it has synced the app.
func (rig *crashRig) startServer(first bool) {
	t := rig.t
	args := []string{"--port", strconv.Itoa(rig.port), "--db", filepath.Join(rig.dir, "state.db"),
		"--log-level", "warn", "--sdk-url", rig.appURL}
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), crashChildEnv+"="+strings.Join(args, "\x1f"))
	cmd.Stdout, cmd.Stderr = rig.logs, rig.logs
	require.NoError(t, cmd.Start())
	rig.srv = cmd
	require.Eventually(t, func() bool {
		resp, err := http.Get(rig.base() + "/health")
		if err != nil {
			return false
		}
		resp.Body.Close()
		if !first {
			return resp.StatusCode == http.StatusOK
		}
		b, _ := os.ReadFile(rig.logs.Name())
		return bytes.Contains(b, []byte("synced "+rig.appURL))
	}, 20*time.Second, 20*time.Millisecond, "the server did not come up")
}

func (rig *crashRig) kill() {
	require.NoError(rig.t, rig.srv.Process.Kill()) // SIGKILL
	_ = rig.srv.Wait()
}

func (rig *crashRig) stopServer() {
	_ = rig.srv.Process.Signal(syscall.SIGTERM)
	_ = rig.srv.Wait()
}

// post sends one event until some server accepts it, and returns the IDs.
func (rig *crashRig) post(ctx context.Context, name, key string, data keyData) bool {
	b, _ := json.Marshal(map[string]any{"name": name, "id": key, "data": data})
	for ctx.Err() == nil {
		resp, err := http.Post(rig.base()+"/e/key", "application/json", bytes.NewReader(b))
		if err == nil {
			var out struct{ IDs []string }
			_ = json.NewDecoder(resp.Body).Decode(&out)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				rig.mu.Lock()
				rig.eventIDs[key] = append(rig.eventIDs[key], out.IDs...)
				rig.mu.Unlock()
				select {
				case rig.acked <- struct{}{}:
				default:
				}
				return true
			}
		}
		time.Sleep(30 * time.Millisecond)
	}
	return false
}

// sendEvents sends events until the returned function is called.
func (rig *crashRig) sendEvents() (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; ctx.Err() == nil; i++ {
			kind := [...]string{"steps", "steps", "wait", "batch"}[i%4]
			key := fmt.Sprintf("%s-%d", kind, i)
			if !rig.post(ctx, "crash/"+kind, key, keyData{K: key}) {
				return
			}
			rig.mu.Lock()
			rig.accepted[key] = kind
			rig.mu.Unlock()
			if kind == "wait" && i%8 == 2 {
				rig.post(ctx, "crash/reply", key+"-reply", keyData{K: key})
			}
			time.Sleep(15 * time.Millisecond)
		}
	}()
	return func() { cancel(); <-done }
}

// apiRun is a run as GET /v1/runs/{id} shows it.
type apiRun struct {
	ID       string                     `json:"run_id"`
	Status   string                     `json:"status"`
	Output   json.RawMessage            `json:"output"`
	Steps    map[string]json.RawMessage `json:"steps"`
	Timeline []struct {
		Kind   string `json:"kind"`
		StepID string `json:"step_id"`
	} `json:"timeline"`
}

// getRun returns the run, or nil when the server does not know it (its
// creation died with a server before it was committed).
func (rig *crashRig) getRun(id string) *apiRun {
	resp, err := http.Get(rig.base() + "/v1/runs/" + id)
	require.NoError(rig.t, err)
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNotFound {
		return nil
	}
	require.Equal(rig.t, http.StatusOK, resp.StatusCode)
	var out struct{ Data apiRun }
	require.NoError(rig.t, json.NewDecoder(resp.Body).Decode(&out))
	return &out.Data
}

// keyRuns returns the runs the server keeps of those the app ran for key.
func (rig *crashRig) keyRuns(key string) []*apiRun {
	rig.mu.Lock()
	var ids []string
	for id := range rig.byKey[key] {
		ids = append(ids, id)
	}
	rig.mu.Unlock()
	var out []*apiRun
	for _, id := range ids {
		if r := rig.getRun(id); r != nil {
			out = append(out, r)
		}
	}
	return out
}

// waitAllDone waits until every accepted event's run has ended.
func (rig *crashRig) waitAllDone(limit time.Duration) {
	deadline := time.Now().Add(limit)
	for {
		pending := rig.pendingKeys()
		if len(pending) == 0 {
			return
		}
		if time.Now().After(deadline) {
			for _, k := range pending[:min(len(pending), 3)] {
				rig.mu.Lock()
				seen := fmt.Sprint(rig.byKey[k])
				rig.mu.Unlock()
				for _, r := range rig.keyRuns(k) {
					b, _ := json.Marshal(r)
					rig.t.Logf("stuck %s: %s", k, b)
				}
				rig.t.Logf("stuck %s: the app saw runs %s", k, seen)
				for _, id := range rig.eventIDs[k] {
					resp, err := http.Get(rig.base() + "/v1/events/" + id + "/runs")
					if err == nil {
						b, _ := io.ReadAll(resp.Body)
						resp.Body.Close()
						rig.t.Logf("stuck %s: event %s: %s", k, id, b)
					}
				}
			}
			rig.t.Fatalf("runs stuck after %s: %v", limit, pending[:min(len(pending), 10)])
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func (rig *crashRig) pendingKeys() []string {
	rig.mu.Lock()
	keys := make(map[string]string, len(rig.accepted))
	for k, v := range rig.accepted {
		keys[k] = v
	}
	rig.mu.Unlock()
	var pending []string
	for key, kind := range keys {
		if kind == "batch" {
			if !rig.batched(key) {
				pending = append(pending, key)
			}
			continue
		}
		runs := rig.keyRuns(key)
		if len(runs) == 0 || runs[0].Status == "Running" {
			pending = append(pending, key)
		}
	}
	return pending
}

// batched reports whether a completed batch run holds key.
func (rig *crashRig) batched(key string) bool {
	rig.mu.Lock()
	var ids []string
	for id, keys := range rig.batches {
		for _, k := range keys {
			if k == key {
				ids = append(ids, id)
			}
		}
	}
	rig.mu.Unlock()
	for _, id := range ids {
		if r := rig.getRun(id); r != nil && r.Status == "Completed" {
			return true
		}
	}
	return false
}

func stepHash(id string) string {
	h := sha1.Sum([]byte(id))
	return hex.EncodeToString(h[:])
}

// check asserts what the crashes must not have done.
func (rig *crashRig) check() {
	t := rig.t
	rig.mu.Lock()
	accepted := len(rig.accepted)
	rig.mu.Unlock()
	require.Greater(t, accepted, 50, "events flowed")
	for key, kind := range rig.accepted {
		switch kind {
		case "steps", "wait":
			runs := rig.keyRuns(key)
			require.Len(t, runs, 1, "event %s has exactly one run", key)
			rig.checkRun(runs[0], kind == "steps")
		case "batch":
			n := 0
			for id, keys := range rig.batches {
				if r := rig.getRun(id); r != nil && slices.Contains(keys, key) {
					n++
					rig.checkRun(r, false)
				}
			}
			require.Equal(t, 1, n, "batched event %s is in exactly one run", key)
		}
	}
	seen := map[string]bool{}
	for id, at := range rig.crons {
		if r := rig.getRun(id); r != nil {
			require.False(t, seen[at], "cron tick %s ran twice", at)
			seen[at] = true
		}
	}
	t.Logf("%d kills; %d events accepted; %d batch runs, %d cron runs kept", *crashKills, accepted, len(rig.batches), len(seen))
}

// checkRun asserts that a run completed once, and for the steps function
// that each step's result was saved once and the output uses them.
func (rig *crashRig) checkRun(r *apiRun, steps bool) {
	t := rig.t
	require.Equal(t, "Completed", r.Status, "run %s", r.ID)
	ends := 0
	perStep := map[string]int{}
	for _, e := range r.Timeline {
		switch e.Kind {
		case "completed", "failed", "cancelled":
			ends++
		case "step":
			perStep[e.StepID]++
		}
	}
	require.Equal(t, 1, ends, "run %s ended once", r.ID)
	if !steps {
		return
	}
	var vals []string
	for _, id := range []string{"a", "flaky", "b"} {
		h := stepHash(id)
		require.Equal(t, 1, perStep[h], "run %s saved step %s once", r.ID, id)
		var v struct{ Data string }
		require.NoError(t, json.Unmarshal(r.Steps[h], &v))
		vals = append(vals, v.Data)
	}
	var out string
	require.NoError(t, json.Unmarshal(r.Output, &out))
	require.Equal(t, strings.Join(vals, "|"), out, "run %s's output is made of its saved steps", r.ID)
}

func quietLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }
