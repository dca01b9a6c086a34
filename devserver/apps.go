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

	"github.com/durablefn/inngest/internal/cronspec"
	"github.com/durablefn/inngest/internal/sign"
	"github.com/durablefn/inngest/internal/timestr"
	"github.com/durablefn/inngest/internal/wire"
)

// appRecord is a synced app.
type appRecord struct {
	id         string
	url        string
	fns        []*function
	checksum   string
	reqVersion int
}

// function is a synced function with its flow control compiled.
type function struct {
	app         *appRecord
	id          string
	name        string
	url         string
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

	urlDone bool   // urlBase was computed
	urlBase string // the call URL up to the stepId value
}

type trigger struct {
	fn    *function
	event string
	expr  *expr
}

type rateCfg struct {
	limit  int
	period time.Duration
	key    *expr
}

type throttleCfg struct {
	limit, burst int
	period       time.Duration
	key          *expr
}

type debounceCfg struct {
	period, timeout time.Duration
	key             *expr
}

type batchCfg struct {
	maxSize   int
	timeout   time.Duration
	key, cond *expr
}

type concCfg struct {
	limit int
	key   *expr
	scope string
}

type singletonCfg struct {
	key  *expr
	mode string
}

type cancelCfg struct {
	event   string
	expr    *expr
	timeout time.Duration
}

type cronEntry struct {
	fn    *function
	spec  string
	sched cronspec.Schedule
	timer *timer
}

// compileFunction validates one function of a sync payload.
func (s *Server) compileFunction(app *appRecord, w wire.Function) (*function, error) {
	fail := func(format string, args ...any) (*function, error) {
		return nil, fmt.Errorf("function %q: "+format, append([]any{w.ID}, args...)...)
	}
	if w.ID == "" {
		return nil, errors.New("a function has no id")
	}
	fn := &function{app: app, id: w.ID, name: w.Name, maxAttempts: DefaultAttempts}
	step, ok := w.Steps["step"]
	if !ok {
		for _, st := range w.Steps {
			step, ok = st, true
			break
		}
	}
	if ok {
		fn.url = step.Runtime.URL
		if step.Retries != nil {
			// Like the real server, "attempts" counts retries (capped at
			// 20): a function runs up to attempts+1 times.
			fn.maxAttempts = min(max(step.Retries.Attempts, 0), 20) + 1
		}
	}
	if fn.url == "" {
		u, err := url.Parse(app.url)
		if err != nil || u.Host == "" {
			return fail("has no step URL and the app URL %q is invalid", app.url)
		}
		q := u.Query()
		q.Set("fnId", w.ID)
		q.Set("stepId", "step")
		u.RawQuery = q.Encode()
		fn.url = u.String()
	}
	if u, err := url.Parse(fn.url); err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return fail("step URL %q is not an http(s) URL", fn.url)
	}
	if len(w.Triggers) == 0 {
		return fail("has no triggers")
	}
	compile := func(what string, src *string) (*expr, error) {
		if src == nil || strings.TrimSpace(*src) == "" {
			return nil, nil
		}
		e, err := s.exprs.Compile(*src)
		if err != nil {
			return nil, fmt.Errorf("function %q: %s: %w", w.ID, what, err)
		}
		return e, nil
	}
	dur := func(what, v string) (time.Duration, error) {
		d, err := timestr.Parse(v)
		if err != nil || d < 0 {
			return 0, fmt.Errorf("function %q: %s: invalid duration %q", w.ID, what, v)
		}
		return d, nil
	}
	var err error
	for _, t := range w.Triggers {
		switch {
		case t.Event != "":
			tr := &trigger{fn: fn, event: t.Event}
			if tr.expr, err = compile("trigger expression", t.Expression); err != nil {
				return nil, err
			}
			fn.triggers = append(fn.triggers, tr)
		case t.Cron != "":
			// The SDK's own rule, the real server's: a schedule it
			// refuses at sync is refused here too.
			sched, err := cronspec.Parse(t.Cron)
			if err != nil {
				return fail("invalid cron %q: %v", t.Cron, err)
			}
			fn.crons = append(fn.crons, &cronEntry{fn: fn, spec: t.Cron, sched: sched})
		default:
			return fail("a trigger has neither an event nor a cron")
		}
	}
	if fn.idempotency, err = compile("idempotency", w.Idempotency); err != nil {
		return nil, err
	}
	if rl := w.RateLimit; rl != nil {
		c := &rateCfg{limit: rl.Limit}
		if c.period, err = dur("rateLimit.period", rl.Period); err != nil {
			return nil, err
		}
		if c.limit <= 0 || c.period <= 0 {
			return fail("rateLimit needs a positive limit and period")
		}
		if c.period > IdempotencyPeriod {
			// As on the real server, which refuses the sync.
			return fail("rateLimit.period %q is longer than the maximum of %s", rl.Period, IdempotencyPeriod)
		}
		if c.key, err = compile("rateLimit.key", rl.Key); err != nil {
			return nil, err
		}
		fn.rateLimit = c
	}
	if th := w.Throttle; th != nil {
		// As on the real server: a limit of 0 means 1, and the period
		// counts in whole seconds.
		c := &throttleCfg{limit: max(th.Limit, 1), burst: th.Burst}
		if c.period, err = dur("throttle.period", th.Period); err != nil {
			return nil, err
		}
		c.period = c.period.Truncate(time.Second)
		if th.Limit < 0 || th.Burst < 0 {
			return fail("throttle.limit and throttle.burst must not be negative")
		}
		if c.period <= 0 {
			return fail("throttle.period %q is shorter than the minimum of 1s", th.Period)
		}
		if c.key, err = compile("throttle.key", th.Key); err != nil {
			return nil, err
		}
		fn.throttle = c
	}
	if d := w.Debounce; d != nil {
		c := &debounceCfg{}
		if c.period, err = dur("debounce.period", d.Period); err != nil {
			return nil, err
		}
		if d.Timeout != nil {
			if c.timeout, err = dur("debounce.timeout", *d.Timeout); err != nil {
				return nil, err
			}
		}
		if c.key, err = compile("debounce.key", d.Key); err != nil {
			return nil, err
		}
		fn.debounce = c
	}
	if b := w.BatchEvents; b != nil {
		c := &batchCfg{maxSize: b.MaxSize}
		if c.maxSize < 1 {
			return fail("batchEvents.maxSize must be positive")
		}
		if c.timeout, err = dur("batchEvents.timeout", b.Timeout); err != nil {
			return nil, err
		}
		if c.key, err = compile("batchEvents.key", b.Key); err != nil {
			return nil, err
		}
		if c.cond, err = compile("batchEvents.if", b.If); err != nil {
			return nil, err
		}
		fn.batch = c
	}
	for _, cc := range w.Concurrency {
		if cc.Limit <= 0 {
			continue // 0 means no limit
		}
		c := concCfg{limit: cc.Limit, scope: cc.Scope}
		if c.key, err = compile("concurrency.key", cc.Key); err != nil {
			return nil, err
		}
		fn.concurrency = append(fn.concurrency, c)
	}
	if p := w.Priority; p != nil {
		if fn.priority, err = compile("priority.run", p.Run); err != nil {
			return nil, err
		}
	}
	if sg := w.Singleton; sg != nil {
		c := &singletonCfg{mode: sg.Mode}
		if c.mode == "" {
			c.mode = "skip"
		}
		if c.mode != "skip" && c.mode != "cancel" {
			return fail("singleton.mode must be \"skip\" or \"cancel\"")
		}
		if c.key, err = compile("singleton.key", sg.Key); err != nil {
			return nil, err
		}
		fn.singleton = c
	}
	for _, cn := range w.Cancel {
		if cn.Event == "" {
			return fail("a cancel rule has no event")
		}
		c := cancelCfg{event: cn.Event}
		if c.expr, err = compile("cancel.if", cn.If); err != nil {
			return nil, err
		}
		if cn.Timeout != nil {
			if c.timeout, err = dur("cancel.timeout", *cn.Timeout); err != nil {
				return nil, err
			}
		}
		fn.cancels = append(fn.cancels, c)
	}
	if t := w.Timeouts; t != nil {
		if t.Start != nil {
			if fn.timeoutStart, err = dur("timeouts.start", *t.Start); err != nil {
				return nil, err
			}
		}
		if t.Finish != nil {
			if fn.timeoutFinish, err = dur("timeouts.finish", *t.Finish); err != nil {
				return nil, err
			}
		}
	}
	return fn, nil
}

// register applies a sync payload; it reports whether anything changed.
func (s *Server) register(req *wire.RegisterRequest) (bool, error) {
	if req.URL == "" {
		return false, errors.New("url is required")
	}
	if u, err := url.Parse(req.URL); err != nil || u.Host == "" {
		return false, fmt.Errorf("url %q is not an absolute URL", req.URL)
	}
	appID := req.AppName
	if appID == "" {
		appID = req.URL
	}
	fnsJSON, _ := json.Marshal(req.Functions)
	sum := sha256.Sum256(append([]byte(req.URL+"\x00"), fnsJSON...))
	app := &appRecord{id: appID, url: req.URL, checksum: hex.EncodeToString(sum[:]), reqVersion: 1}
	seen := make(map[string]bool)
	for _, w := range req.Functions {
		if seen[w.ID] {
			return false, fmt.Errorf("function %q appears twice", w.ID)
		}
		seen[w.ID] = true
		fn, err := s.compileFunction(app, w)
		if err != nil {
			return false, err
		}
		app.fns = append(app.fns, fn)
	}

	s.mu.Lock()
	defer s.unlock()
	old := s.apps[appID]
	if old != nil && old.checksum == app.checksum {
		return false, nil
	}
	if old != nil {
		app.reqVersion = old.reqVersion
		s.unregister(old)
	}
	s.apps[appID] = app
	now := s.clock.Now()
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

// armCron schedules a cron entry's next tick. Called with s.mu held.
func (s *Server) armCron(ce *cronEntry, now time.Time) {
	next := ce.sched.Next(now)
	if next.IsZero() {
		return
	}
	ce.timer = s.afterBG(next, func() {
		if s.fns[ce.fn.id] != ce.fn {
			return
		}
		data, _ := json.Marshal(map[string]any{"cron": ce.spec})
		ev := wire.Event{Name: wire.EventCron, Data: data}
		if rec := s.storeEvent(&ev); rec != nil {
			s.createRun(ce.fn, []*eventRecord{rec}, s.clock.Now(), nil)
		}
		// Ticks missed by a jump of the clock are caught up for at most
		// an hour: advancing a test clock by minutes fires each tick, but
		// skipping a week does not start thousands of runs at once.
		from := next
		if now := s.clock.Now(); now.Sub(from) > maxCronCatchUp {
			from = now
		}
		s.armCron(ce, from)
	})
}

// maxCronCatchUp bounds how far back missed cron ticks are fired.
const maxCronCatchUp = time.Hour

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
	if u, err := url.Parse(appURL); err != nil || u.Host == "" {
		return fmt.Errorf("devserver: AddApp: %q is not an absolute URL", appURL)
	}
	s.routes.add(appURL, h)
	return s.SyncApp(ctx, appURL)
}

// SyncApp asks the app at appURL to sync, as `inngest-dev --sdk-url`
// does: it sends a PUT, signed when a signing key is set. The app then
// registers through POST /fn/register, or answers in-band with its
// configuration, which is registered directly.
func (s *Server) SyncApp(ctx context.Context, appURL string) error {
	s.mu.Lock()
	s.busy++
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.busy--
		s.notify()
		s.mu.Unlock()
	}()
	body, _ := json.Marshal(map[string]string{"url": appURL})
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, appURL, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("devserver: syncing %s: %w", appURL, err)
	}
	req.Header.Set(wire.HeaderContentType, "application/json")
	req.Header.Set(wire.HeaderServerKind, wire.ServerKindDev)
	if s.cfg.SigningKey != "" {
		req.Header.Set(wire.HeaderSignature, sign.Header(s.cfg.SigningKey, body, time.Now()))
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return fmt.Errorf("devserver: syncing %s: %w", appURL, unwrapURLError(err))
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, s.cfg.MaxBodyBytes))
	if resp.StatusCode != http.StatusOK {
		msg := strings.TrimSpace(string(raw))
		if len(msg) > 300 {
			msg = msg[:300]
		}
		return fmt.Errorf("devserver: syncing %s: the app answered HTTP %d: %s", appURL, resp.StatusCode, msg)
	}
	var inBand wire.InBandSync
	if json.Unmarshal(raw, &inBand) == nil && inBand.AppID != "" && inBand.Functions != nil {
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
