package compat

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	ours "github.com/durablefn/inngest"
	ourhandler "github.com/durablefn/inngest/handler"
	ourstep "github.com/durablefn/inngest/step"
	"github.com/inngest/inngestgo"
	"github.com/inngest/inngestgo/group"
	"github.com/inngest/inngestgo/step"
)

// The discovery call of a function whose parallel group has n branches of
// one new step each, measured the same way for this module's SDK and for
// the official Go SDK: one handler, one request body, served b.N times.
// Compare with benchstat over -count 10:
//
//	go test -run x -bench BenchmarkDiscovery -count 10 | tee out.txt

// discoveryBody is a discovery call request for function fnSlug: one event,
// no memoized steps, the request version both SDKs accept.
func discoveryBody(b *testing.B) []byte {
	evt := json.RawMessage(`{"id":"01JEVT0000000000000000000A","name":"bench/event","data":{"n":1},"user":{},"ts":1700000000000}`)
	body, err := json.Marshal(map[string]any{
		"event":  evt,
		"events": []json.RawMessage{evt},
		"steps":  map[string]any{},
		"ctx": map[string]any{
			"run_id":                      "01JRUN00000000000000000000",
			"fn_id":                       "6f1d2c1e-6c56-4b2a-9d8e-0d3c1a3b5e7f",
			"step_id":                     "step",
			"attempt":                     0,
			"stack":                       map[string]any{"stack": []string{}, "current": 0},
			"disable_immediate_execution": false,
			"use_api":                     false,
		},
		"version": 2,
	})
	if err != nil {
		b.Fatal(err)
	}
	return body
}

func serve(b *testing.B, h http.Handler, target string, body []byte) {
	b.ReportAllocs()
	req := httptest.NewRequest(http.MethodPost, target, nil)
	req.ContentLength = int64(len(body))
	req.Header.Set("X-Inngest-Server-Kind", "dev")
	rd := bytes.NewReader(body)
	b.ResetTimer()
	cpu0 := cpuTime()
	for i := 0; i < b.N; i++ {
		rd.Reset(body)
		req.Body = io.NopCloser(rd)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != http.StatusPartialContent {
			b.Fatalf("status %d: %s", w.Code, w.Body)
		}
	}
	b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N), "cpu-ns/op")
}

func officialHandler(b *testing.B, n int) http.Handler {
	dev := true
	c, err := inngestgo.NewClient(inngestgo.ClientOpts{AppID: "bench", Dev: &dev,
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	fns := make([]func(ctx context.Context) (any, error), n)
	for i := range fns {
		id := fmt.Sprintf("branch-%d", i)
		fns[i] = func(ctx context.Context) (any, error) {
			return step.Run(ctx, id, func(ctx context.Context) (int, error) { return i, nil })
		}
	}
	_, err = inngestgo.CreateFunction(c, inngestgo.FunctionOpts{ID: "fn"}, inngestgo.EventTrigger("bench/event", nil),
		func(ctx context.Context, in inngestgo.Input[map[string]any]) (any, error) {
			res := group.Parallel(ctx, fns...)
			return len(res), res.AnyError()
		})
	if err != nil {
		b.Fatal(err)
	}
	return c.Serve()
}

func ourHandler(b *testing.B, n int) http.Handler {
	c, err := ours.NewClient(ours.ClientConfig{AppID: "bench", Dev: "1", Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	fns := make([]func(context.Context) (int, error), n)
	for i := range fns {
		id := fmt.Sprintf("branch-%d", i)
		fns[i] = func(ctx context.Context) (int, error) {
			return ourstep.Run(ctx, id, func(ctx context.Context) (int, error) { return i, nil })
		}
	}
	_, err = ours.CreateFunction(c, ours.FunctionOpts{ID: "fn"}, ours.OnEvent("bench/event"),
		func(ctx context.Context, in ours.Input[map[string]any]) (int, error) {
			out, err := ourstep.Parallel(ctx, fns...)
			return len(out), err
		})
	if err != nil {
		b.Fatal(err)
	}
	return ourhandler.New(c, ourhandler.Config{})
}

// BenchmarkDiscovery measures the discovery call of n parallel branches in
// both SDKs.
func BenchmarkDiscovery(b *testing.B) {
	body := discoveryBody(b)
	for _, n := range []int{10, 100} {
		b.Run(fmt.Sprintf("sdk=official/branches=%d", n), func(b *testing.B) {
			serve(b, officialHandler(b, n), "/api/inngest?fnId=bench-fn&stepId=step", body)
		})
		b.Run(fmt.Sprintf("sdk=ours/branches=%d", n), func(b *testing.B) {
			serve(b, ourHandler(b, n), "/api/inngest?fnId=bench-fn&stepId=step", body)
		})
	}
}
