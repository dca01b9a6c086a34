package devserver

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/durablefn/inngest/devserver/store"
	"github.com/durablefn/inngest/internal/wire"
)

// appRecord is a synced app.
type appRecord struct {
	id         string
	url        string
	fns        []*function
	checksum   string
	reqVersion int
	// sdk, config and syncedAt are what Apps reports: the SDK as the sync
	// named it, the functions' sync payload, and the last sync.
	sdk      string
	config   json.RawMessage
	syncedAt time.Time
}

// function is a synced function with its flow control compiled.
type function struct {
	app         *appRecord
	id          string
	uuid        string // ctx.fn_id in call requests: wire.FunctionUUID(id)
	name        string
	maxAttempts int
	triggers    []*trigger
	crons       []*cronEntry

	idempotency   *expr
	rateLimit     *rateCfg
	throttle      *throttleCfg
	debounce      *debounceCfg
	batch         *batchCfg
	concurrency   []concCfg
	priority      *expr
	singleton     *singletonCfg
	cancels       []cancelCfg
	timeoutStart  time.Duration
	timeoutFinish time.Duration

	urlBase string // the call URL up to the stepId value
}

// register applies a sync payload; it reports whether anything changed.
func (s *Server) register(req *wire.RegisterRequest) (bool, error) {
	if req.URL == "" {
		return false, errors.New("url is required")
	}
	u, err := url.Parse(req.URL)
	switch {
	case err != nil || u.Host == "":
		return false, fmt.Errorf("url %q is not an absolute URL", req.URL)
	case u.Scheme != "http" && u.Scheme != "https":
		return false, fmt.Errorf("url %q is not an http(s) URL", req.URL)
	}
	appID := req.AppName
	if appID == "" {
		return false, errNoAppName
	}
	fnsJSON, _ := json.Marshal(req.Functions)
	sum := sha256.Sum256(append([]byte(req.URL+"\x00"), fnsJSON...))
	app := &appRecord{id: appID, url: req.URL, checksum: hex.EncodeToString(sum[:]), reqVersion: 1, sdk: req.SDK, config: fnsJSON}
	// Every function is checked, so that one answer lists every problem.
	var errs []error
	seen := make(map[string]bool)
	for _, w := range req.Functions {
		fn, err := s.compileFunction(app, w)
		switch {
		case err != nil:
			errs = append(errs, err)
		case seen[fn.id]:
			errs = append(errs, fmt.Errorf("function %q appears twice", fn.id))
		default:
			seen[fn.id] = true
			app.fns = append(app.fns, fn)
		}
	}
	if len(errs) > 0 {
		return false, errors.Join(errs...)
	}

	s.mu.Lock()
	defer s.unlock()
	old := s.apps[appID]
	if old != nil && old.checksum == app.checksum {
		old.syncedAt = s.clock.Now()
		s.notify()
		return false, nil
	}
	if old != nil {
		app.reqVersion = old.reqVersion
		s.unregister(old)
	}
	s.apps[appID] = app
	s.j.putApp(&store.App{ID: appID, URL: req.URL, Config: jsonValue(req)})
	now := s.clock.Now()
	app.syncedAt = now
	for _, fn := range app.fns {
		if prev := s.fns[fn.id]; prev != nil && prev.app != app {
			s.unregisterFn(prev)
		}
		s.fns[fn.id] = fn
		for _, tr := range fn.triggers {
			s.triggers[tr.event] = append(s.triggers[tr.event], tr)
		}
		for _, ce := range fn.crons {
			s.armCron(ce, now)
		}
	}
	s.log.Info("devserver: app synced", "app_id", appID, "url", req.URL, "functions", len(app.fns))
	s.notify()
	return true, nil
}

func (s *Server) unregister(app *appRecord) {
	for _, fn := range app.fns {
		s.unregisterFn(fn)
	}
	delete(s.apps, app.id)
}

func (s *Server) unregisterFn(fn *function) {
	if s.fns[fn.id] == fn {
		delete(s.fns, fn.id)
	}
	for _, tr := range fn.triggers {
		list := s.triggers[tr.event]
		out := list[:0]
		for _, t := range list {
			if t != tr {
				out = append(out, t)
			}
		}
		if len(out) == 0 {
			delete(s.triggers, tr.event)
		} else {
			s.triggers[tr.event] = out
		}
	}
	for _, ce := range fn.crons {
		s.stopTimer(ce.timer)
	}
}

// Functions lists the composite IDs of the synced functions, sorted.
func (s *Server) Functions() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Sorted(maps.Keys(s.fns))
}

// AddApp serves the app at appURL with h, in-process (no socket), and
// syncs it. appURL is the URL the app's handler is mounted at, such as
// "http://app.local/api/inngest"; any origin works, since requests to it
// never leave the process. The app's SDK client should use HTTPClient so
// that it reaches this server in-process too.
func (s *Server) AddApp(ctx context.Context, appURL string, h http.Handler) error {
	if h == nil {
		return errors.New("devserver: AddApp needs a handler")
	}
	u, err := appURLOf(appURL)
	if err != nil {
		return fmt.Errorf("devserver: AddApp: %w", err)
	}
	s.routes.add(u, h)
	appURL = u
	return s.SyncApp(ctx, appURL)
}

// SyncApp asks the app at appURL to sync, as `inngest-dev --sdk-url`
// does: it sends a PUT, signed when a signing key is set. The app then
// registers through POST /fn/register, or answers in-band with its
// configuration, which is registered directly. As on the real server, a
// URL without a scheme is taken as http, and only http and https URLs
// with a host are synced.
func (s *Server) SyncApp(ctx context.Context, appURL string) error {
	u, err := appURLOf(appURL)
	if err != nil {
		return fmt.Errorf("devserver: syncing %s: %w", appURL, err)
	}
	appURL = u
	s.mu.Lock()
	s.busy++
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.busy--
		s.notify()
		s.mu.Unlock()
	}()
	var sig string
	body, err := json.Marshal(map[string]string{"url": appURL})
	if err == nil {
		body, sig, err = s.signBody(body)
	}
	if err != nil {
		return fmt.Errorf("devserver: syncing %s: %w", appURL, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, appURL, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("devserver: syncing %s: %w", appURL, err)
	}
	req.Header.Set(wire.HeaderContentType, "application/json")
	req.Header.Set(wire.HeaderServerKind, wire.ServerKindDev)
	if sig != "" {
		req.Header.Set(wire.HeaderSignature, sig)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return &syncError{syncErrUnreachable, fmt.Errorf("devserver: syncing %s: %w", appURL, unwrapURLError(err))}
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, s.cfg.MaxBodyBytes))
	if resp.StatusCode != http.StatusOK {
		msg := strings.TrimSpace(string(raw))
		if len(msg) > 300 {
			msg = msg[:300]
		}
		return &syncError{syncStatusCode(resp.StatusCode), fmt.Errorf("devserver: syncing %s: the app answered HTTP %d: %s", appURL, resp.StatusCode, msg)}
	}
	var inBand wire.InBandSync
	if json.Unmarshal(raw, &inBand) == nil && inBand.AppID != "" && inBand.Functions != nil {
		if err := s.verifyAnswer(resp.Header.Get(wire.HeaderSignature), raw); err != nil {
			return &syncError{syncErrSignature, fmt.Errorf("devserver: syncing %s: in-band configuration refused: %w", appURL, err)}
		}
		u := inBand.URL
		if u == "" {
			u = appURL
		}
		_, err := s.register(&wire.RegisterRequest{URL: u, AppName: inBand.AppID, Functions: inBand.Functions, SDK: inBand.SDKLanguage + ":" + inBand.SDKVersion})
		if err != nil {
			return fmt.Errorf("devserver: syncing %s: in-band configuration refused: %w", appURL, err)
		}
	}
	return nil
}
