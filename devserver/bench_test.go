package devserver_test

import (
	"context"
	"fmt"
	"github.com/durablefn/inngest/devserver/store"
	"runtime"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/devserver"
	"github.com/durablefn/inngest/step"
)

// BenchmarkRunsThreeSteps completes runs of a three-step function over
// loopback HTTP and reports runs and step calls per second.
func BenchmarkRunsThreeSteps(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		b.Run("events="+strconv.Itoa(n), func(b *testing.B) { benchThreeSteps(b, n, nil) })
	}
	// With the state in a SQLite file: every change committed (group
	// commit) before it is acknowledged.
	b.Run("store=sqlite/events=10000", func(b *testing.B) { benchThreeSteps(b, 10000, sqliteStore(b)) })
}

func benchThreeSteps(b *testing.B, n int, st store.Store) {
	{
		{
			b.ReportAllocs()
			var ended atomic.Int64
			srv, err := devserver.New(devserver.Config{Store: st, OnRunFinished: func(r *devserver.Run) { ended.Add(1) }})
			require.NoError(b, err)
			ctx := context.Background()
			require.NoError(b, srv.Start(ctx))
			defer func() { require.NoError(b, srv.Close(ctx)) }()
			c, err := inngest.NewClient(inngest.ClientConfig{AppID: "bench", Dev: srv.URL(), Logger: quietLogger()})
			require.NoError(b, err)
			_, err = inngest.CreateFunction(c, inngest.FunctionOpts{ID: "three"}, inngest.OnEvent("bench/go"),
				func(ctx context.Context, in inngest.Input[Data]) (int, error) {
					total := 0
					for _, id := range []string{"one", "two", "three"} {
						n, err := step.Run(ctx, id, func(ctx context.Context) (int, error) { return 1, nil })
						if err != nil {
							return 0, err
						}
						total += n
					}
					return total, nil
				})
			require.NoError(b, err)
			url := newHTTPServerB(b, c)
			require.NoError(b, srv.SyncApp(ctx, url+"/api/inngest"))

			evs := make([]devserver.Event, n)
			for i := range evs {
				evs[i] = devserver.Event{Name: "bench/go", Data: Data{"i": i}}
			}
			b.ResetTimer()
			start := time.Now()
			for i := 0; i < b.N; i++ {
				target := ended.Load() + int64(n)
				for off := 0; off < n; off += 500 {
					_, err := srv.SendEvent(ctx, evs[off:min(off+500, n)]...)
					require.NoError(b, err)
				}
				wctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
				require.NoError(b, srv.WaitFor(wctx, func() bool { return ended.Load() >= target }))
				cancel()
			}
			el := time.Since(start).Seconds()
			b.ReportMetric(float64(n*b.N)/el, "runs/s")
			// Three immediate step calls and one final call per run.
			b.ReportMetric(float64(4*n*b.N)/el, "calls/s")
		}
	}
}

// parkWaits starts n runs that each wait for "approval/decided" with
// data.id equal to their own event's data.id, and returns once all are
// parked.
func parkWaits(b *testing.B, n int) *devserver.Server { return parkWaitsIn(b, n, nil) }

// parkWaitsIn parks n waits on a server with store st (nil: memory).
func parkWaitsIn(b *testing.B, n int, st store.Store) *devserver.Server {
	srv, err := devserver.New(devserver.Config{NoListener: true, Store: st, Clock: devserver.NewVirtualClock(time.Time{})})
	require.NoError(b, err)
	ctx := context.Background()
	require.NoError(b, srv.Start(ctx))
	c, err := inngest.NewClient(inngest.ClientConfig{AppID: "park", Dev: srv.URL(), HTTPClient: srv.HTTPClient(), Logger: quietLogger()})
	require.NoError(b, err)
	_, err = inngest.CreateFunction(c, inngest.FunctionOpts{ID: "wait"}, inngest.OnEvent("request/made"),
		func(ctx context.Context, in inngest.Input[Data]) (bool, error) {
			ev, err := step.WaitForEvent(ctx, "decision", approved, step.WaitOpts{Timeout: 7 * 24 * time.Hour, Match: "data.id"})
			return ev != nil, err
		})
	require.NoError(b, err)
	require.NoError(b, srv.AddApp(ctx, "http://park.local/api/inngest", handlerFor(c)))
	for off := 0; off < n; off += 1000 {
		evs := make([]devserver.Event, 0, 1000)
		for i := off; i < min(off+1000, n); i++ {
			evs = append(evs, devserver.Event{Name: "request/made", Data: Data{"id": "r" + strconv.Itoa(i)}})
		}
		_, err := srv.SendEvent(ctx, evs...)
		require.NoError(b, err)
	}
	wctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	defer cancel()
	require.NoError(b, srv.WaitIdle(wctx))
	return srv
}

func heapInUse() uint64 {
	var ms runtime.MemStats
	for i := 0; i < 3; i++ {
		runtime.GC()
	}
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// BenchmarkMemoryPerWaitingRun parks 100,000 runs on waitForEvent and
// reports the heap they hold, per run.
func BenchmarkMemoryPerWaitingRun(b *testing.B) {
	const n = 100000
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		before := heapInUse()
		srv := parkWaits(b, n)
		after := heapInUse()
		b.ReportMetric(float64(after-before)/n, "bytes/run")
		runtime.KeepAlive(srv)
		require.NoError(b, srv.Close(context.Background()))
	}
}

// BenchmarkMatchEventAgainstParkedWaits measures sending one event
// against 100,000 parked waits of the same event name: "hit" resumes one
// of them, "miss" matches none. Waits are indexed by name and by the
// matched field, so neither scans them all.
func BenchmarkMatchEventAgainstParkedWaits(b *testing.B) {
	const n = 100000
	srv := parkWaits(b, n)
	defer func() { require.NoError(b, srv.Close(context.Background())) }()
	ctx := context.Background()
	b.Run("miss", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			_, err := srv.SendEvent(ctx, devserver.Event{Name: "approval/decided", Data: Data{"id": "nobody"}})
			require.NoError(b, err)
		}
	})
	b.Run("hit", func(b *testing.B) {
		b.ReportAllocs()
		if b.N > n {
			b.Fatalf("b.N %d exceeds the %d parked waits", b.N, n)
		}
		for i := 0; i < b.N; i++ {
			_, err := srv.SendEvent(ctx, devserver.Event{Name: "approval/decided", Data: Data{"id": fmt.Sprintf("r%d", i)}})
			require.NoError(b, err)
		}
	})
}
