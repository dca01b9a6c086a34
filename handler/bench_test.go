package handler_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/internal/wire"
	"github.com/durablefn/inngest/step"
)

type benchItem struct {
	I    int    `json:"i"`
	Name string `json:"name"`
}

func benchBody(b *testing.B, n int) []byte {
	var memos []memo
	for i := 0; i < n; i++ {
		memos = append(memos, data(wire.IndexedStepID("item", i), fmt.Sprintf(`{"i":%d,"name":"item-%d"}`, i, i)))
	}
	return callBody(b, testEvent, memos, nil)
}

// BenchmarkCall measures one call request replaying n memoized steps to
// completion, against a bare json.Unmarshal of the same body (the floor).
func BenchmarkCall(b *testing.B) {
	for _, n := range []int{1, 100, 1000} {
		body := benchBody(b, n)
		b.Run(fmt.Sprintf("steps=%d/floor", n), func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(body)))
			for i := 0; i < b.N; i++ {
				var req wire.CallRequest
				if err := json.Unmarshal(body, &req); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("steps=%d/handler", n), func(b *testing.B) {
			c := devClient(b)
			_, err := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "fn"}, inngest.OnEvent("test/event"),
				func(ctx context.Context, in inngest.Input[anyData]) (int, error) {
					sum := 0
					for k := 0; k < n; k++ {
						it, err := step.Run(ctx, "item", func(ctx context.Context) (benchItem, error) { return benchItem{}, nil })
						if err != nil {
							return 0, err
						}
						sum += it.I
					}
					return sum, nil
				})
			if err != nil {
				b.Fatal(err)
			}
			serveCalls(b, newHandler(c), body, http.StatusOK)
		})
	}
}

// serveCalls sends h the call request body b.N times and fails unless
// each answer has status want. The request is built once and its body
// rewound each time, so the loop measures the handler rather than request
// parsing.
func serveCalls(b *testing.B, h http.Handler, body []byte, want int) {
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	b.ResetTimer()
	req := httptest.NewRequest(http.MethodPost, "/api/inngest?fnId=app-fn&stepId=step", nil)
	req.ContentLength = int64(len(body))
	rd := bytes.NewReader(body)
	w := &discardWriter{header: http.Header{}}
	for i := 0; i < b.N; i++ {
		rd.Reset(body)
		req.Body = io.NopCloser(rd)
		w.code = 0
		h.ServeHTTP(w, req)
		if w.code != want {
			b.Fatalf("status %d", w.code)
		}
	}
}

// discardWriter is a ResponseWriter that keeps only the status.
type discardWriter struct {
	header http.Header
	code   int
}

func (w *discardWriter) Header() http.Header { return w.header }
func (w *discardWriter) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
}
func (w *discardWriter) Write(p []byte) (int, error) {
	if w.code == 0 {
		w.code = http.StatusOK
	}
	return len(p), nil
}

// BenchmarkParallelDiscovery measures the discovery call of a function
// whose step.Parallel has n branches of one new step each: every branch
// runs until its step, and the n planned steps are reported at once.
func BenchmarkParallelDiscovery(b *testing.B) {
	for _, n := range []int{10, 100, 1000} {
		b.Run(fmt.Sprintf("branches=%d", n), func(b *testing.B) {
			c := devClient(b)
			fns := make([]func(context.Context) (int, error), n)
			for i := range fns {
				id := fmt.Sprintf("branch-%d", i)
				fns[i] = func(ctx context.Context) (int, error) {
					return step.Run(ctx, id, func(ctx context.Context) (int, error) { return i, nil })
				}
			}
			_, err := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "fn"}, inngest.OnEvent("test/event"),
				func(ctx context.Context, in inngest.Input[anyData]) (int, error) {
					out, err := step.Parallel(ctx, fns...)
					return len(out), err
				})
			if err != nil {
				b.Fatal(err)
			}
			serveCalls(b, newHandler(c), callBody(b, testEvent, nil, nil), http.StatusPartialContent)
		})
	}
}

// BenchmarkParallelReplay measures a call that replays n parallel
// branches whose steps are all memoized, to completion.
func BenchmarkParallelReplay(b *testing.B) {
	for _, n := range []int{10, 100} {
		b.Run(fmt.Sprintf("branches=%d", n), func(b *testing.B) {
			c := devClient(b)
			fns := make([]func(context.Context) (benchItem, error), n)
			var memos []memo
			for i := range fns {
				id := fmt.Sprintf("branch-%d", i)
				memos = append(memos, data(id, fmt.Sprintf(`{"i":%d,"name":"item-%d"}`, i, i)))
				fns[i] = func(ctx context.Context) (benchItem, error) {
					return step.Run(ctx, id, func(ctx context.Context) (benchItem, error) { return benchItem{}, nil })
				}
			}
			_, err := inngest.CreateFunction(c, inngest.FunctionOpts{ID: "fn"}, inngest.OnEvent("test/event"),
				func(ctx context.Context, in inngest.Input[anyData]) (int, error) {
					out, err := step.Parallel(ctx, fns...)
					return len(out), err
				})
			if err != nil {
				b.Fatal(err)
			}
			serveCalls(b, newHandler(c), callBody(b, testEvent, memos, nil), http.StatusOK)
		})
	}
}
