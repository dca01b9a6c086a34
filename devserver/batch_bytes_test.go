package devserver_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/durablefn/inngest/devserver"
)

// A batch closes at 10 MiB of events whatever its maxSize, as on the real
// server, which sets no upper bound on maxSize: a huge maxSize cannot
// hold an unbounded batch.
//
// Not parallel: 10 MiB of events is slow work under the race detector.
func TestBatchClosesAtTenMiB(t *testing.T) {
	vc := devserver.NewVirtualClock(limitsEpoch)
	srv := startServer(t, devserver.Config{Clock: vc, MaxEventBytes: 2 << 20})
	status, out := postJSON(t, srv.URL()+"/fn/register", fnPayload(t, `{"triggers":[{"event":"big"}],"batchEvents":{"maxSize":1000000000,"timeout":"60s"}}`))
	require.Equal(t, 200, status, out)
	big := Data{"blob": strings.Repeat("x", 1<<20)} // a little over 1 MiB as JSON
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	evs := make([]devserver.Event, 11)
	for i := range evs {
		evs[i] = devserver.Event{Name: "big", Data: big}
	}
	_, err := srv.SendEvent(ctx, evs...)
	require.NoError(t, err)
	var runs []*devserver.Run
	require.NoError(t, srv.WaitFor(ctx, func() bool {
		runs = srv.FunctionRuns("a-f")
		return len(runs) == 1
	}))
	require.Len(t, runs[0].EventIDs, 10, "the tenth MiB closes the batch, without waiting for its timeout")
	require.Equal(t, limitsEpoch, vc.Now())
}
