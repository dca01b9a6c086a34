package compat

import (
	"bufio"
	"bytes"
	"context"
	crand "crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// devServer is one running cmd/inngest-dev.
type devServer struct {
	url string
	log *logBuffer
	// token is the bearer token its API wants ("" when it has no signing
	// key).
	token string
}

// env is what TestMain set up: two cmd/inngest-dev servers, one in dev
// mode and one with a signing key, and the apps synced with them. A setup
// step that failed leaves its error here, and every check that needs it
// fails with that error.
type env struct {
	dev, signed *devServer
	appLogs     map[string]*logBuffer // by app name
	syncErr     map[string]error      // by app name, as in sdkApps
}

var suite env

// Bounds of the whole setup.
const (
	buildTimeout = 3 * time.Minute
	startTimeout = 30 * time.Second
	syncTimeout  = 30 * time.Second
)

func TestMain(m *testing.M) {
	// Every check spends most of its time waiting on the server (a retry
	// waits 15s), so run them all at once unless -parallel says otherwise.
	flag.Parse()
	set := false
	flag.Visit(func(f *flag.Flag) { set = set || f.Name == "test.parallel" })
	if !set {
		_ = flag.Set("test.parallel", "64")
	}
	if f := flag.Lookup("test.bench"); f != nil && f.Value.String() != "" {
		// Benchmarks (bench_test.go) need no servers; the checks do, so
		// they are left out of a benchmark run.
		_ = flag.Set("test.run", "^$")
		os.Exit(m.Run())
	}
	code, err := setupAndRun(m)
	if err != nil {
		fmt.Fprintln(os.Stderr, "compat: setup failed:", err)
		if code == 0 {
			code = 1
		}
	}
	os.Exit(code)
}

// setupAndRun starts everything, runs the tests, and stops every process
// it started before returning, whatever happened.
func setupAndRun(m *testing.M) (int, error) {
	tmp, err := os.MkdirTemp("", "inngest-compat-")
	if err != nil {
		return 1, err
	}
	defer os.RemoveAll(tmp)
	var procs procSet
	defer procs.stopAll()

	suite.syncErr = map[string]error{}
	suite.appLogs = map[string]*logBuffer{}

	// 1. Build cmd/inngest-dev from the parent module and start it twice:
	// in dev mode, and with a bare hex signing key that the apps of the
	// signed server hold with a signkey-prod- prefix.
	root, err := filepath.Abs("../..")
	if err != nil {
		return 1, err
	}
	// COMPAT_SERVER_SRC, if set, is another checkout of the parent module
	// to build the server from (say, an export of one commit).
	if src := os.Getenv("COMPAT_SERVER_SRC"); src != "" {
		root = src
	}
	bin := filepath.Join(tmp, "inngest-dev")
	bctx, cancel := context.WithTimeout(context.Background(), buildTimeout)
	build := exec.CommandContext(bctx, "go", "build", "-o", bin, "./cmd/inngest-dev")
	build.Dir = root
	out, err := build.CombinedOutput()
	cancel()
	if err != nil {
		return 1, fmt.Errorf("go build ./cmd/inngest-dev in %s: %v\n%s", root, err, out)
	}
	keyBytes := make([]byte, 32)
	_, _ = crand.Read(keyBytes)
	hexKey := hex.EncodeToString(keyBytes)
	appKey := "signkey-prod-" + hexKey
	if suite.dev, err = startDev(&procs, bin); err != nil {
		return 1, err
	}
	if suite.signed, err = startDev(&procs, bin, "--signing-key", hexKey); err != nil {
		return 1, err
	}
	sum := sha256.Sum256(keyBytes)
	suite.signed.token = "signkey-prod-" + hex.EncodeToString(sum[:])

	urls := map[string]string{}
	var closers []func()
	defer func() {
		for _, c := range closers {
			c()
		}
	}()

	// 2. The official Go SDK's apps, in this process.
	for name, mk := range map[string]func() (http.Handler, error){
		"go":        func() (http.Handler, error) { return newGoApp(suite.dev.url, "") },
		"go-signed": func() (http.Handler, error) { return newGoApp(suite.signed.url, appKey) },
	} {
		h, err := mk()
		if err != nil {
			suite.syncErr[name] = fmt.Errorf("building the Go SDK app: %w", err)
			continue
		}
		srv := httptest.NewServer(h)
		closers = append(closers, srv.Close)
		urls[name] = srv.URL + "/api/inngest"
	}

	// 3. The inngest-js apps, under node: in dev mode, and in cloud mode
	// with the prefixed key.
	for name, env := range map[string][]string{
		"js":        {"INNGEST_DEV=" + suite.dev.url, "INNGEST_BASE_URL=" + suite.dev.url},
		"js-signed": {"INNGEST_DEV=0", "INNGEST_BASE_URL=" + suite.signed.url, "INNGEST_SIGNING_KEY=" + appKey},
	} {
		suite.appLogs[name] = &logBuffer{}
		u, err := startJSApp(&procs, suite.appLogs[name], env)
		if err != nil {
			suite.syncErr[name] = err
			continue
		}
		urls[name] = u
	}

	// 4. Sync each app with its server, as the dev server UI's "sync app"
	// does.
	var wg sync.WaitGroup
	var mu sync.Mutex
	for name, u := range urls {
		srv := suite.dev
		if strings.HasSuffix(name, "-signed") {
			srv = suite.signed
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := syncApp(srv, u)
			mu.Lock()
			suite.syncErr[name] = err
			mu.Unlock()
		}()
	}
	wg.Wait()

	code := m.Run()
	if code != 0 {
		fmt.Fprintf(os.Stderr, "\n--- inngest-dev (dev mode) log, tail ---\n%s\n--- inngest-dev (signing key) log, tail ---\n%s\n",
			suite.dev.log.tail(8000), suite.signed.log.tail(8000))
		for name, l := range suite.appLogs {
			fmt.Fprintf(os.Stderr, "--- %s app log, tail ---\n%s\n", name, l.tail(4000))
		}
	}
	return code, nil
}

// startDev starts cmd/inngest-dev on a free port and waits until it says
// where it listens.
func startDev(procs *procSet, bin string, args ...string) (*devServer, error) {
	d := &devServer{log: &logBuffer{}}
	cmd := exec.Command(bin, append([]string{"--port", "0", "--log-level", "debug"}, args...)...)
	w := &lineWatcher{re: regexp.MustCompile(`inngest-dev listening on (http://\S+)`), found: make(chan string, 1)}
	cmd.Stdout = io.MultiWriter(d.log, w)
	cmd.Stderr = d.log
	if err := procs.start(cmd); err != nil {
		return nil, fmt.Errorf("starting inngest-dev: %w", err)
	}
	select {
	case d.url = <-w.found:
		return d, nil
	case <-time.After(startTimeout):
		return nil, fmt.Errorf("inngest-dev %v did not say where it listens within %s; its log:\n%s", args, startTimeout, d.log.tail(4000))
	}
}

// startJSApp starts ../js/app.js with node on a free port, with env added
// to the environment, and waits for it to answer.
func startJSApp(procs *procSet, log *logBuffer, env []string) (string, error) {
	jsDir, err := filepath.Abs("../js")
	if err != nil {
		return "", err
	}
	if _, err := os.Stat(filepath.Join(jsDir, "node_modules", "inngest", "package.json")); err != nil {
		return "", fmt.Errorf("inngest-js is not installed in %s: run `npm ci` there (compat/run.sh does)", jsDir)
	}
	port, err := freePort()
	if err != nil {
		return "", err
	}
	node := exec.Command("node", "app.js")
	node.Dir = jsDir
	node.Env = append(append(os.Environ(), "PORT="+port, "INNGEST_EVENT_KEY=compat"), env...)
	node.Stdout = log
	node.Stderr = log
	if err := procs.start(node); err != nil {
		return "", fmt.Errorf("starting node: %w", err)
	}
	base := "http://127.0.0.1:" + port
	deadline := time.Now().Add(startTimeout)
	for {
		resp, err := http.Get(base + "/health")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return base + "/api/inngest", nil
			}
		}
		if time.Now().After(deadline) {
			return "", fmt.Errorf("the inngest-js app did not answer on %s within %s; its log:\n%s", base, startTimeout, log.tail(3000))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// syncApp asks the server to sync the app at appURL until it succeeds.
func syncApp(srv *devServer, appURL string) error {
	deadline := time.Now().Add(syncTimeout)
	var last string
	for time.Now().Before(deadline) {
		body, _ := json.Marshal(map[string]string{"url": appURL})
		req, _ := http.NewRequest(http.MethodPost, srv.url+"/v0/apps", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if srv.token != "" {
			req.Header.Set("Authorization", "Bearer "+srv.token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			last = err.Error()
		} else {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			last = fmt.Sprintf("HTTP %d: %s", resp.StatusCode, strings.TrimSpace(string(b)))
		}
		time.Sleep(250 * time.Millisecond)
	}
	return fmt.Errorf("syncing %s through POST /v0/apps failed for %s; last answer: %s", appURL, syncTimeout, last)
}

func freePort() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	_, port, err := net.SplitHostPort(l.Addr().String())
	return port, err
}

// procSet holds the processes the suite started, to stop them all.
type procSet struct {
	mu    sync.Mutex
	procs []*exec.Cmd
}

func (p *procSet) start(c *exec.Cmd) error {
	setProcAttrs(c)
	if err := c.Start(); err != nil {
		return err
	}
	p.mu.Lock()
	p.procs = append(p.procs, c)
	p.mu.Unlock()
	return nil
}

// stopAll interrupts each process, then kills what is left after a grace
// period, and reaps them all.
func (p *procSet) stopAll() {
	p.mu.Lock()
	defer p.mu.Unlock()
	done := make([]chan struct{}, len(p.procs))
	for i, c := range p.procs {
		done[i] = make(chan struct{})
		go func() { _ = c.Wait(); close(done[i]) }()
		interrupt(c)
	}
	for i, c := range p.procs {
		select {
		case <-done[i]:
		case <-time.After(5 * time.Second):
			kill(c)
			<-done[i]
		}
	}
	p.procs = nil
}

// logBuffer keeps a process's output for failure messages.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(b)
}

func (l *logBuffer) tail(n int) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := l.buf.String()
	if len(s) > n {
		s = "…" + s[len(s)-n:]
	}
	return s
}

// grep returns the log's lines that contain every one of subs, at most max.
func (l *logBuffer) grep(max int, subs ...string) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	sc := bufio.NewScanner(bytes.NewReader(l.buf.Bytes()))
	sc.Buffer(make([]byte, 0, 64*1024), 1024*1024)
lines:
	for sc.Scan() {
		for _, s := range subs {
			if !strings.Contains(sc.Text(), s) {
				continue lines
			}
		}
		out = append(out, sc.Text())
		if len(out) >= max {
			break
		}
	}
	return out
}

// lineWatcher reports the first submatch of re in what is written to it.
type lineWatcher struct {
	mu    sync.Mutex
	buf   []byte
	re    *regexp.Regexp
	found chan string
	done  bool
}

func (w *lineWatcher) Write(b []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.done {
		return len(b), nil
	}
	w.buf = append(w.buf, b...)
	if m := w.re.FindSubmatch(w.buf); m != nil {
		w.done = true
		w.found <- string(m[1])
		w.buf = nil
	}
	return len(b), nil
}
