package handler_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/step"
)

// okAPI answers every API request 200 with an empty body, as the
// server's checkpoint API does, and counts them.
type okAPI struct{ n atomic.Int64 }

func (a *okAPI) RoundTrip(r *http.Request) (*http.Response, error) {
	_, _ = io.Copy(io.Discard, r.Body)
	_ = r.Body.Close()
	a.n.Add(1)
	return &http.Response{StatusCode: http.StatusOK, Body: http.NoBody, Header: http.Header{}, Request: r}, nil
}

// BenchmarkRun measures the SDK's side of a whole run of n sequential
// steps: without checkpointing, the n+1 call requests the server makes,
// the k-th replaying k-1 memoized steps (the bodies are built before the
// clock starts); with it, one call request that runs every step and
// checkpoints each (the API answers in process). calls/run and
// checkpoints/run count the requests; cpu-ns/run is the process's CPU
// time (user and system, GC included) per run, which a loaded machine
// does not inflate as it does ns/op.
func BenchmarkRun(b *testing.B) {
	for _, n := range []int{10, 100, 1000} {
		for _, mode := range []string{"default", "checkpoint"} {
			b.Run(fmt.Sprintf("steps=%d/%s", n, mode), func(b *testing.B) {
				api := &okAPI{}
				var cp *inngest.Checkpoint
				if mode == "checkpoint" {
					cp = &inngest.Checkpoint{}
				}
				c, err := inngest.NewClient(inngest.ClientConfig{AppID: "app", Dev: "1", HTTPClient: &http.Client{Transport: api}, Logger: discardLogger()})
				if err != nil {
					b.Fatal(err)
				}
				_, err = inngest.CreateFunction(c, inngest.FunctionOpts{ID: "fn", Checkpoint: cp}, inngest.OnEvent("test/event"),
					func(ctx context.Context, in inngest.Input[anyData]) (int, error) {
						sum := 0
						for k := 0; k < n; k++ {
							it, err := step.Run(ctx, "item", func(ctx context.Context) (benchItem, error) {
								return benchItem{I: k, Name: fmt.Sprintf("item-%d", k)}, nil
							})
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
				bodies := [][]byte{benchBody(b, 0)}
				if mode == "default" {
					for k := 1; k <= n; k++ {
						bodies = append(bodies, benchBody(b, k))
					}
				}
				runs(b, newHandler(c), bodies)
				b.ReportMetric(float64(len(bodies)), "calls/run")
				b.ReportMetric(float64(api.n.Load())/float64(b.N), "checkpoints/run")
			})
		}
	}
}

// runs sends h the call request bodies in order b.N times: every answer
// but the last must be a 206, the last a 200.
func runs(b *testing.B, h http.Handler, bodies [][]byte) {
	b.ReportAllocs()
	b.ResetTimer()
	req := httptest.NewRequest(http.MethodPost, "/api/inngest?fnId=app-fn&stepId=step", nil)
	rd := bytes.NewReader(nil)
	w := &discardWriter{header: http.Header{}}
	start := cpuTime()
	defer func() { b.ReportMetric(float64(cpuTime()-start)/float64(b.N), "cpu-ns/run") }()
	for i := 0; i < b.N; i++ {
		for k, body := range bodies {
			rd.Reset(body)
			req.Body, req.ContentLength = io.NopCloser(rd), int64(len(body))
			w.code = 0
			h.ServeHTTP(w, req)
			want := http.StatusPartialContent
			if k == len(bodies)-1 {
				want = http.StatusOK
			}
			if w.code != want {
				b.Fatalf("call %d: status %d", k, w.code)
			}
		}
	}
}
