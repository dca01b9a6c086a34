package devserver_test

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/devserver"
	"github.com/durablefn/inngest/devserver/store"
	"github.com/durablefn/inngest/devserver/store/sqlitestore"
	"github.com/durablefn/inngest/step"
)

// sqliteStore opens a SQLite store in a temporary directory, closed when
// the benchmark ends.
func sqliteStore(b *testing.B) *sqlitestore.Store {
	st, err := sqlitestore.Open(filepath.Join(b.TempDir(), "state.db"), nil)
	require.NoError(b, err)
	b.Cleanup(func() { _ = st.Close() })
	return st
}

// dbBytes is the size of the database with its write-ahead log.
func dbBytes(b *testing.B, dir string) int64 {
	var n int64
	for _, name := range []string{"state.db", "state.db-wal"} {
		if fi, err := os.Stat(filepath.Join(dir, name)); err == nil {
			n += fi.Size()
		}
	}
	return n
}

// BenchmarkDurableParkedWaits parks 100,000 runs on waitForEvent in a
// SQLite store and reports the database bytes per parked run, then the
// time to match an event against them ("miss" matches none; each op waits
// for its commit).
func BenchmarkDurableParkedWaits(b *testing.B) {
	const n = 100000
	dir := b.TempDir()
	st, err := sqlitestore.Open(filepath.Join(dir, "state.db"), nil)
	require.NoError(b, err)
	defer st.Close()
	empty := dbBytes(b, dir)
	srv := parkWaitsIn(b, n, st)
	defer func() { require.NoError(b, srv.Close(context.Background())) }()
	require.NoError(b, devserver.Flush(srv))
	perWait := float64(dbBytes(b, dir)-empty) / n
	ctx := context.Background()
	b.Run("miss", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			_, err := srv.SendEvent(ctx, devserver.Event{Name: "approval/decided", Data: Data{"id": "nobody"}})
			require.NoError(b, err)
		}
		b.ReportMetric(perWait, "db-bytes/wait")
	})
}

// BenchmarkDurableFinishedRuns runs 100,000 one-step runs on a SQLite
// store and reports the database's size after them, keeping every
// finished run or only the last 10,000 (retention).
func BenchmarkDurableFinishedRuns(b *testing.B) {
	for _, keep := range []int{100000, devserver.DefaultMaxFinishedRuns} {
		b.Run("keep="+strconv.Itoa(keep), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				dir := b.TempDir()
				st, err := sqlitestore.Open(filepath.Join(dir, "state.db"), nil)
				require.NoError(b, err)
				finishRuns(b, st, 100000, keep)
				require.NoError(b, st.Close())
				b.ReportMetric(float64(dbBytes(b, dir))/(1<<20), "db-MiB")
			}
		})
	}
}

func finishRuns(b *testing.B, st store.Store, n, keep int) {
	var ended atomic.Int64
	srv, err := devserver.New(devserver.Config{NoListener: true, Store: st, MaxFinishedRuns: keep, MaxEvents: keep,
		OnRunFinished: func(*devserver.Run) { ended.Add(1) }})
	require.NoError(b, err)
	ctx := context.Background()
	require.NoError(b, srv.Start(ctx))
	defer func() { require.NoError(b, srv.Close(ctx)) }()
	c, err := inngest.NewClient(inngest.ClientConfig{AppID: "done", Dev: srv.URL(), HTTPClient: srv.HTTPClient(), Logger: quietLogger()})
	require.NoError(b, err)
	_, err = inngest.CreateFunction(c, inngest.FunctionOpts{ID: "one"}, inngest.OnEvent("work/done"),
		func(ctx context.Context, in inngest.Input[Data]) (int, error) {
			return step.Run(ctx, "only", func(ctx context.Context) (int, error) { return 1, nil })
		})
	require.NoError(b, err)
	require.NoError(b, srv.AddApp(ctx, "http://done.local/api/inngest", handlerFor(c)))
	for off := 0; off < n; off += 1000 {
		evs := make([]devserver.Event, 0, 1000)
		for i := off; i < min(off+1000, n); i++ {
			evs = append(evs, devserver.Event{Name: "work/done", Data: Data{"i": i}})
		}
		_, err := srv.SendEvent(ctx, evs...)
		require.NoError(b, err)
	}
	wctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	defer cancel()
	require.NoError(b, srv.WaitFor(wctx, func() bool { return ended.Load() >= int64(n) }))
}
