package devserver_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/durablefn/inngest/devserver"
)

func TestBadEventsAreRefusedAndNothingIsLost(t *testing.T) {
	srv := startServer(t, devserver.Config{EventKey: "secret", MaxBodyBytes: 64 << 10})
	good, body := postJSON(t, srv.URL()+"/e/secret", `{"name":"ok/one","data":{"n":1}}`)
	require.Equal(t, 200, good)
	firstID := body["ids"].([]any)[0].(string)

	cases := []struct {
		name, key, body string
		status          int
		want            string
	}{
		{"MalformedJSON", "secret", `{"name":`, 400, "malformed event"},
		{"NotAnEvent", "secret", `"hello"`, 400, "event object or an array"},
		{"Nameless", "secret", `{"data":{}}`, 400, "no name"},
		{"NamelessInArray", "secret", `[{"name":"a"},{"data":{}}]`, 400, "event 1 has no name"},
		{"DataNotObject", "secret", `{"name":"a","data":[1]}`, 400, "data must be a JSON object"},
		{"EmptyArray", "secret", `[]`, 400, "no events"},
		{"EmptyBody", "secret", ``, 400, "empty body"},
		{"UnknownKey", "wrong", `{"name":"a"}`, 401, "unknown event key"},
		// As on the real server: only the server emits inngest/ events,
		// so no sender can fake a failure to onFailure handlers.
		{"ReservedName", "secret", `{"name":"inngest/function.failed","data":{"function_id":"app-fn"}}`, 400, "reserved for internal use"},
		{"ReservedNameAnyCase", "secret", `[{"name":"a"},{"name":"Inngest/Function.Finished"}]`, 400, "event 1 (\"Inngest/Function.Finished\"): the name is reserved for internal use"},
		{"Oversized", "secret", `{"name":"a","data":{"x":"` + strings.Repeat("x", 70<<10) + `"}}`, 413, "larger than"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			status, out := postJSON(t, srv.URL()+"/e/"+tc.key, tc.body)
			require.Equal(t, tc.status, status, out)
			require.Contains(t, out["error"], tc.want)
		})
	}
	// An array with one bad event is refused whole; the good event sent
	// before is still there.
	var runs struct {
		Data []any `json:"data"`
	}
	getJSON(t, srv.URL()+"/v1/events/"+firstID+"/runs", 200, &runs)
	status, body := postJSON(t, srv.URL()+"/e/secret", `[{"name":"ok/two"},{"name":"ok/three","ts":5}]`)
	require.Equal(t, 200, status)
	require.Len(t, body["ids"], 2)
}

func TestBadSyncPayloads(t *testing.T) {
	srv := startServer(t, devserver.Config{})
	valid := `{"url":"http://127.0.0.1:1/api","appName":"a","functions":[{"id":"a-f","name":"f","triggers":[{"event":"x"}],"steps":{"step":{"id":"step","name":"step","runtime":{"type":"http","url":"http://127.0.0.1:1/api?fnId=a-f&stepId=step"}}}}]}`
	cases := []struct {
		name, body, want string
	}{
		{"Malformed", `{"url":`, "malformed sync payload"},
		{"NoURL", `{"appName":"a","functions":[]}`, "url is required"},
		{"RelativeURL", `{"url":"/api","appName":"a","functions":[]}`, "not an absolute URL"},
		{"NotHTTP", `{"url":"ftp://h/api","appName":"a","functions":[]}`, "not an http(s) URL"},
		{"NoAppName", `{"url":"http://h/api","functions":[]}`, "appName is required"},
		{"NoSteps", `{"url":"http://h/api","appName":"a","functions":[{"id":"f","name":"f","triggers":[{"event":"x"}],"steps":{}}]}`, "exactly one step"},
		{"BadCron", `{"url":"http://h/api","appName":"a","functions":[{"id":"f","name":"f","triggers":[{"cron":"every day"}],"steps":{"step":` + step1 + `}}]}`, "invalid cron"},
		{"BadExpression", `{"url":"http://h/api","appName":"a","functions":[{"id":"f","name":"f","triggers":[{"event":"x","expression":"event.data.a ==="}],"steps":{"step":` + step1 + `}}]}`, "invalid expression"},
		{"BadDuration", `{"url":"http://h/api","appName":"a","functions":[{"id":"f","name":"f","triggers":[{"event":"x"}],"debounce":{"period":"soon"},"steps":{"step":` + step1 + `}}]}`, "invalid duration"},
		{"DuplicateID", `{"url":"http://h/api","appName":"a","functions":[{"id":"f","name":"f","triggers":[{"event":"x"}],"steps":{"step":` + step1 + `}},{"id":"f","name":"f","triggers":[{"event":"y"}],"steps":{"step":` + step1 + `}}]}`, "appears twice"},
		{"BadStepURL", `{"url":"http://h/api","appName":"a","functions":[{"id":"f","name":"f","triggers":[{"event":"x"}],"steps":{"step":{"name":"step","runtime":{"url":"ftp://h"}}}}]}`, "not an http(s) URL"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			status, out := postJSON(t, srv.URL()+"/fn/register", tc.body)
			require.Equal(t, 400, status, out)
			require.Contains(t, out["error"], tc.want)
		})
	}
	status, out := postJSON(t, srv.URL()+"/fn/register", valid)
	require.Equal(t, 200, status, out)
	require.Equal(t, true, out["ok"])
	require.Equal(t, true, out["modified"])
	status, out = postJSON(t, srv.URL()+"/fn/register", valid)
	require.Equal(t, 200, status, out)
	require.Equal(t, false, out["modified"])
	// A bad payload for the same app leaves the synced functions alone.
	status, _ = postJSON(t, srv.URL()+"/fn/register", `{"url":"http://127.0.0.1:1/api","appName":"a","functions":[{"id":"a-g"}]}`)
	require.Equal(t, 400, status)
	require.Equal(t, []string{"a-f"}, srv.Functions())
}

func TestRegisterNeedsBearerWhenSigningKeySet(t *testing.T) {
	srv := startServer(t, devserver.Config{SigningKey: "signkey-prod-12345678"})
	body := `{"url":"http://h/api","appName":"a","functions":[]}`
	status, out := postJSON(t, srv.URL()+"/fn/register", body)
	require.Equal(t, 401, status)
	require.Contains(t, out["error"], "bearer")
	status, _ = postJSON(t, srv.URL()+"/fn/register", body, "Authorization", "Bearer signkey-prod-nope")
	require.Equal(t, 401, status)
	status, out = postJSON(t, srv.URL()+"/fn/register", body,
		"Authorization", "Bearer signkey-prod-b2ed992186a5cb19f6668aade821f502c1d00970dfd0e35128d51bac4649916c")
	require.Equal(t, 200, status, out)
}
