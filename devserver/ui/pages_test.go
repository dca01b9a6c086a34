package ui_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/durablefn/inngest/devserver"
)

func TestMain(m *testing.M) {
	code := m.Run()
	stopBrowser()
	if code == 0 {
		if err := goleak.Find(); err != nil {
			println("goleak:", err.Error())
			code = 1
		}
	}
	exit(code)
}

// rowsOf returns the data-run attributes of the runs list, in order.
func rowsOf(body string) []string {
	var out []string
	for _, m := range regexp.MustCompile(`data-run="([^"]+)"`).FindAllStringSubmatch(body, -1) {
		out = append(out, m[1])
	}
	return out
}

func TestRunsPageListsAndFilters(t *testing.T) {
	f := newFixture(t, devserver.Config{NoListener: true})
	demoApp(t, f.srv)
	done := ended(t, f.srv, send(t, f.srv, "demo/hello", map[string]any{"name": "Ada"}))
	failed := ended(t, f.srv, send(t, f.srv, "demo/broken", nil))
	napping := runOf(t, f.srv, send(t, f.srv, "demo/nap", nil))
	sleeping(t, f.srv, napping.ID)

	resp, _ := f.get(t, "/")
	require.Equal(t, http.StatusFound, resp.StatusCode)
	require.Equal(t, "/runs", resp.Header.Get("Location"))

	resp, body := f.get(t, "/runs")
	requirePage(t, resp, http.StatusOK)
	require.Equal(t, []string{napping.ID, failed.ID, done.ID}, rowsOf(body), "newest first")
	require.Contains(t, body, `data-status="Completed" data-function="demo-greet"`)
	require.Contains(t, body, `<option value="demo-greet">Greet (demo-greet)</option>`)

	for query, want := range map[string][]string{
		"status=Completed":                   {done.ID},
		"status=Running":                     {napping.ID},
		"status=Failed&function=demo-broken": {failed.ID},
		"function=demo-greet":                {done.ID},
		"since=15m":                          {napping.ID, failed.ID, done.ID},
	} {
		resp, body := f.get(t, "/runs?"+query)
		requirePage(t, resp, http.StatusOK)
		require.Equal(t, want, rowsOf(body), query)
	}
	_, body = f.get(t, "/runs?status=Completed")
	require.Contains(t, body, `<option value="Completed" selected>`, "the form keeps the filter")

	resp, body = f.get(t, "/runs?status=Sleepy")
	requirePage(t, resp, http.StatusBadRequest)
	require.Contains(t, body, "Unknown status Sleepy")
	resp, _ = f.get(t, "/runs?since=forever")
	requirePage(t, resp, http.StatusBadRequest)
}

func TestRunPageShowsTheWaterfall(t *testing.T) {
	f := newFixture(t, devserver.Config{NoListener: true})
	demoApp(t, f.srv)
	r := ended(t, f.srv, send(t, f.srv, "demo/hello", map[string]any{"name": "Ada"}))

	resp, body := f.get(t, "/runs/"+r.ID)
	requirePage(t, resp, http.StatusOK)
	require.Contains(t, body, `<h1>Greet <span class="badge completed" id="run-status">Completed</span></h1>`)
	require.Contains(t, body, `data-kind="step" data-label="compose"`)
	require.Contains(t, body, `data-kind="completed"`)
	require.Contains(t, body, "<pre class=\"output\">{\n  &#34;data&#34;: &#34;hello, Ada&#34;\n}</pre>", "the step's memoized result, in its row")
	require.Contains(t, body, `<pre class="output" id="run-output">&#34;hello, Ada&#34;</pre>`)
	require.Contains(t, body, "Event <span class=\"mono\">demo/hello</span>")
	require.NotContains(t, body, `id="cancel"`, "an ended run cannot be cancelled")
	require.Contains(t, body, `id="rerun"`)

	failed := ended(t, f.srv, send(t, f.srv, "demo/broken", nil))
	_, body = f.get(t, "/runs/"+failed.ID)
	require.Contains(t, body, `data-kind="failed" data-label="explode"`)
	require.Contains(t, body, "the flux capacitor broke")

	resp, body = f.get(t, "/runs/01JZZZZZZZZZZZZZZZZZZZZZZZ")
	requirePage(t, resp, http.StatusNotFound)
	require.Contains(t, body, "There is no run 01JZZZZZZZZZZZZZZZZZZZZZZZ")
}

func TestCancelASleepingRun(t *testing.T) {
	f := newFixture(t, devserver.Config{NoListener: true})
	demoApp(t, f.srv)
	r := runOf(t, f.srv, send(t, f.srv, "demo/nap", nil))
	sleeping(t, f.srv, r.ID)

	_, body := f.get(t, "/runs/"+r.ID)
	require.Contains(t, body, `class="row k-sleep ongoing" data-kind="sleep" data-label="nap"`)
	require.Contains(t, body, `id="cancel"`)

	resp, _ := f.post(t, "/runs/"+r.ID+"/cancel", nil)
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	require.Equal(t, "/runs/"+r.ID+"?did=cancel", resp.Header.Get("Location"))
	require.Equal(t, devserver.StatusCancelled, f.srv.Run(r.ID).Status)
	_, body = f.get(t, "/runs/"+r.ID+"?did=cancel")
	require.Contains(t, body, "Cancellation requested.")
	require.Contains(t, body, `class="row k-sleep" data-kind="sleep"`, "the sleep ended with the run")

	resp, body = f.post(t, "/runs/"+r.ID+"/cancel", nil)
	requirePage(t, resp, http.StatusConflict)
	require.Contains(t, body, "has already ended")
	resp, _ = f.post(t, "/runs/01JZZZZZZZZZZZZZZZZZZZZZZZ/cancel", nil)
	requirePage(t, resp, http.StatusNotFound)
}

func TestRerun(t *testing.T) {
	f := newFixture(t, devserver.Config{NoListener: true})
	demoApp(t, f.srv)
	evID := send(t, f.srv, "demo/hello", map[string]any{"name": "Ada"})
	first := ended(t, f.srv, evID)

	resp, _ := f.post(t, "/runs/"+first.ID+"/rerun", nil)
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	loc := resp.Header.Get("Location")
	require.True(t, strings.HasPrefix(loc, "/runs/") && strings.HasSuffix(loc, "?did=rerun"), loc)
	newID := strings.TrimSuffix(strings.TrimPrefix(loc, "/runs/"), "?did=rerun")
	require.NotEqual(t, first.ID, newID)
	again, err := f.srv.WaitForRun(ctxT(t), newID)
	require.NoError(t, err)
	require.Equal(t, devserver.StatusCompleted, again.Status)
	require.JSONEq(t, `"hello, Ada"`, string(again.Output))
	require.Equal(t, first.EventIDs, again.EventIDs, "listed under the same event")

	resp, _ = f.post(t, "/runs/01JZZZZZZZZZZZZZZZZZZZZZZZ/rerun", nil)
	requirePage(t, resp, http.StatusNotFound)
}

func TestEventsPageAndSendForm(t *testing.T) {
	f := newFixture(t, devserver.Config{NoListener: true})
	demoApp(t, f.srv)
	resp, body := f.get(t, "/events")
	requirePage(t, resp, http.StatusOK)
	require.Contains(t, body, `<textarea id="event" name="event"`)
	require.Contains(t, body, "No events yet.")

	resp, _ = f.post(t, "/events", url.Values{"event": {`{"name": "demo/hello", "data": {"name": "Grace"}}`}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	loc, err := url.Parse(resp.Header.Get("Location"))
	require.NoError(t, err)
	require.Equal(t, "/events", loc.Path)
	id := loc.Query().Get("sent")
	r := ended(t, f.srv, id)
	require.JSONEq(t, `"hello, Grace"`, string(r.Output))

	resp, body = f.get(t, loc.String())
	requirePage(t, resp, http.StatusOK)
	require.Contains(t, body, `id="sent">Sent 1 event: <span class="mono">`+id+`</span>`)
	require.Contains(t, body, `data-event="`+id+`" data-name="demo/hello"`)
	require.Contains(t, body, `<a href="/runs/`+r.ID+`"><span class="badge completed">Completed</span> <span class="mono">demo-greet</span></a>`)
	require.Contains(t, body, `&#34;name&#34;: &#34;Grace&#34;`, "the payload, indented")

	// Internal events (function finished) are listed too; the name
	// filter keeps one name.
	_, body = f.get(t, "/events?name=demo/hello")
	require.Equal(t, 1, strings.Count(body, `class="event"`))

	resp, _ = f.post(t, "/events", url.Values{"event": {`[{"name": "demo/hello"}, {"name": "demo/hello", "data": {"name": "Linus"}}]`}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	loc, _ = url.Parse(resp.Header.Get("Location"))
	require.Len(t, strings.Split(loc.Query().Get("sent"), ","), 2)
}

func TestSendFormRefusesBadJSONWithAMessage(t *testing.T) {
	f := newFixture(t, devserver.Config{NoListener: true})
	for input, want := range map[string]string{
		"":                                 "enter an event as JSON",
		"{\n  \"name\": \"a\",\n  oops\n}": "invalid JSON at line 3, column 3",
		`{"data": {}}`:                     "has no name",
		`{"name": "a", "data": [1]}`:       "data must be a JSON object",
		`{"name": 5}`:                      `"name" must not be a JSON number`,
		`"hello"`:                          "an event must be a JSON object",
		`[]`:                               "the array holds no event",
	} {
		resp, body := f.post(t, "/events", url.Values{"event": {input}})
		requirePage(t, resp, http.StatusBadRequest)
		require.Contains(t, body, template(want), "input %q", input)
		require.Contains(t, body, `aria-invalid="true"`)
		if input != "" {
			require.Contains(t, body, template(input), "the form keeps what was typed")
		}
	}
	evs, err := f.srv.ListEvents(ctxT(t), devserver.EventFilter{})
	require.NoError(t, err)
	require.Empty(t, evs, "nothing was sent")
}

// template escapes s as html/template does in text.
func template(s string) string {
	return strings.NewReplacer(`"`, "&#34;", "<", "&lt;", ">", "&gt;", "&", "&amp;", "'", "&#39;").Replace(s)
}

func TestAppsPageAndResync(t *testing.T) {
	f := newFixture(t, devserver.Config{NoListener: true})
	demoApp(t, f.srv)
	resp, body := f.get(t, "/apps")
	requirePage(t, resp, http.StatusOK)
	require.Contains(t, body, `data-app="demo"`)
	require.Contains(t, body, `http://demo.local/api/inngest`)
	require.Contains(t, body, `<tr data-function="demo-greet">`)
	require.Contains(t, body, `event <span class="mono">demo/hello</span>`)
	require.Contains(t, body, `&#34;triggers&#34;`, "the function's configuration")

	resp, _ = f.post(t, "/apps/sync", url.Values{"url": {"http://demo.local/api/inngest"}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	require.Equal(t, "/apps?synced=http%3A%2F%2Fdemo.local%2Fapi%2Finngest", resp.Header.Get("Location"))

	// An app that answers the sync with an error.
	bad := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "not today", http.StatusInternalServerError)
	}))
	defer bad.Close()
	resp, body = f.post(t, "/apps/sync", url.Values{"url": {bad.URL + "/api/inngest"}})
	requirePage(t, resp, http.StatusBadGateway)
	require.Contains(t, body, "the app answered HTTP 500: not today")
	require.Contains(t, body, `value="`+bad.URL+`/api/inngest"`, "the form keeps the URL")

	resp, body = f.post(t, "/apps/sync", url.Values{"url": {" "}})
	requirePage(t, resp, http.StatusBadRequest)
	require.Contains(t, body, "Enter the URL")
}

func TestPagesEscapeEventData(t *testing.T) {
	f := newFixture(t, devserver.Config{NoListener: true})
	demoApp(t, f.srv)
	const payload = `<script>alert(1)</script><img src=x onerror=alert(2)>`
	r := ended(t, f.srv, send(t, f.srv, "demo/hello", map[string]any{"name": payload}))
	_ = send(t, f.srv, payload, map[string]any{"x": payload})
	for _, path := range []string{"/runs", "/runs/" + r.ID, "/events", "/events?name=" + url.QueryEscape(payload), "/apps"} {
		resp, body := f.get(t, path)
		requirePage(t, resp, http.StatusOK)
		require.NotContains(t, body, "<script>alert", path)
		require.NotContains(t, body, "<img src=x", path)
	}
	_, body := f.get(t, "/runs/"+r.ID)
	require.Contains(t, body, `hello, \u003cscript\u003e`, "the step output, JSON-escaped and shown as text")
	_, body = f.get(t, "/events")
	require.Contains(t, body, `&lt;script&gt;alert(1)&lt;/script&gt;`)
}

func TestNoKeyIsEverShown(t *testing.T) {
	const signingKey = "signkey-test-8f2c1e0a4b6d8f2c1e0a4b6d8f2c1e0a"
	const eventKey = "evt-key-do-not-show-0123456789"
	f := newFixture(t, devserver.Config{NoListener: true, SigningKey: signingKey, EventKey: eventKey})
	resp, _ := f.post(t, "/events", url.Values{"event": {`{"name": "demo/hello"}`}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, "the form needs no key")
	for _, path := range []string{"/runs", "/events", "/apps", "/nope"} {
		_, body := f.get(t, path)
		require.NotContains(t, body, "8f2c1e0a4b6d", path)
		require.NotContains(t, body, eventKey, path)
	}
}

func TestCrossSiteActionsAreRefused(t *testing.T) {
	f := newFixture(t, devserver.Config{NoListener: true})
	form := strings.NewReader(url.Values{"event": {`{"name": "demo/hello"}`}}.Encode())
	for name, hdr := range map[string][2]string{
		"other origin":     {"Origin", "http://evil.example"},
		"cross-site fetch": {"Sec-Fetch-Site", "cross-site"},
		"null origin":      {"Origin", "null"},
	} {
		req := httptest.NewRequest(http.MethodPost, "http://devserver.invalid/events", form)
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set(hdr[0], hdr[1])
		resp, body := f.do(t, req)
		requirePage(t, resp, http.StatusForbidden)
		require.Contains(t, body, "Cross-origin requests", name)
	}
	req := httptest.NewRequest(http.MethodPost, "http://devserver.invalid/events", strings.NewReader("event=%7B%22name%22%3A%22a%22%7D"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "http://devserver.invalid")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	resp, _ := f.do(t, req)
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
}

func TestStaticFilesAndNotFound(t *testing.T) {
	f := newFixture(t, devserver.Config{NoListener: true})
	resp, body := f.get(t, "/static/ui.css")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, "text/css; charset=utf-8", resp.Header.Get("Content-Type"))
	require.Contains(t, body, "--bg:")
	resp, _ = f.get(t, "/static/ui.js")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Contains(t, resp.Header.Get("Content-Type"), "javascript")

	resp, body = f.get(t, "/nope")
	requirePage(t, resp, http.StatusNotFound)
	require.Contains(t, body, "There is no page at /nope.")
}

func TestTheAPIKeepsItsPaths(t *testing.T) {
	f := newFixture(t, devserver.Config{NoListener: true})
	resp, body := f.get(t, "/health")
	require.Equal(t, "application/json", resp.Header.Get("Content-Type"))
	require.Contains(t, body, `"message":"OK"`)
	resp, _ = f.get(t, "/v1/runs/01JZZZZZZZZZZZZZZZZZZZZZZZ")
	require.Equal(t, http.StatusNotFound, resp.StatusCode)
	require.Equal(t, "application/json", resp.Header.Get("Content-Type"))
}
