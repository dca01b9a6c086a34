package handler_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/handler"
	"github.com/durablefn/inngest/step"
)

func TestSmoke(t *testing.T) {
	c, err := inngest.NewClient(inngest.ClientConfig{AppID: "app", Dev: "1"})
	require.NoError(t, err)
	_, err = inngest.CreateFunction(c, inngest.FunctionOpts{ID: "fn"}, inngest.OnEvent("a/b"),
		func(ctx context.Context, in inngest.Input[map[string]any]) (string, error) {
			a, err := step.Run(ctx, "first step", func(ctx context.Context) (string, error) { return "A", nil })
			if err != nil {
				return "", err
			}
			return a + "B", nil
		})
	require.NoError(t, err)
	h := handler.New(c, nil)
	body := `{"event":{"name":"a/b","data":{}},"events":[{"name":"a/b","data":{}}],"steps":{},"ctx":{"run_id":"r1","attempt":0,"stack":{"stack":[],"current":0}}}`
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/api/inngest?fnId=app-fn&stepId=step", bytes.NewBufferString(body)))
	out, _ := io.ReadAll(rec.Body)
	t.Logf("%d %s", rec.Code, out)
	require.Equal(t, 206, rec.Code)

	body = `{"event":{"name":"a/b","data":{}},"events":[{"name":"a/b","data":{}}],"steps":{"98bf98df193bcce7c33e6bc50927cf2ac21206cb":{"data":"A"}},"ctx":{"run_id":"r1","attempt":0,"stack":{"stack":["98bf98df193bcce7c33e6bc50927cf2ac21206cb"],"current":1}}}`
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/api/inngest?fnId=app-fn&stepId=step", bytes.NewBufferString(body)))
	out, _ = io.ReadAll(rec.Body)
	t.Logf("%d %s", rec.Code, out)
	require.Equal(t, 200, rec.Code)
	var s string
	require.NoError(t, json.Unmarshal(out, &s))
	require.Equal(t, "AB", s)
}
