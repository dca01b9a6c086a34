package inngesttest_test

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/inngesttest"
	"github.com/durablefn/inngest/step"
)

// recorder is a testing.TB that records failures instead of failing the
// test, so that tests can check what a misuse reports.
type recorder struct {
	testing.TB
	mu   sync.Mutex
	msgs []string
}

func (r *recorder) Helper() {}

func (r *recorder) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.msgs = append(r.msgs, fmt.Sprintf(format, args...))
}

func (r *recorder) Fatalf(format string, args ...any) {
	r.Errorf(format, args...)
	runtime.Goexit()
}

func (r *recorder) Fatal(args ...any) {
	r.Errorf("%s", fmt.Sprint(args...))
	runtime.Goexit()
}

func (r *recorder) FailNow() { runtime.Goexit() }

// failures runs f with a recorder and returns what it reported.
func failures(t *testing.T, f func(tb testing.TB)) string {
	t.Helper()
	r := &recorder{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		f(r)
	}()
	<-done
	r.mu.Lock()
	defer r.mu.Unlock()
	return strings.Join(r.msgs, "\n")
}

func TestMisuseFailsWithAMessageSayingWhatToDo(t *testing.T) {
	t.Parallel()
	c, fn := approvalFunction(t)
	other := inngesttest.NewClient(t, inngest.ClientConfig{AppID: "other"})

	cases := map[string]struct {
		run  func(tb testing.TB)
		want string
	}{
		"UnmockedWait": {
			run:  func(tb testing.TB) { inngesttest.Run(tb, c, fn) },
			want: `step "wait-approval" of billing-approve-invoice waits for event "invoice/approved" (timeout 168h0m0s) and has no mock: add inngesttest.MockWaitForEvent("wait-approval", event) or inngesttest.MockWaitTimeout("wait-approval")`,
		},
		"WrongClient": {
			run:  func(tb testing.TB) { inngesttest.Run(tb, other, fn) },
			want: `function "billing-approve-invoice" is not served by client "other"`,
		},
		"MissingStep": {
			run: func(tb testing.TB) {
				res := inngesttest.Run(tb, c, fn, inngesttest.MockWaitTimeout("wait-approval"))
				res.Step("pay")
			},
			want: `step "pay" did not run in billing-approve-invoice; steps that ran: "wait-approval" (waitForEvent), "escalate" (run)`,
		},
		"BadEvent": {
			run: func(tb testing.TB) {
				inngesttest.Run(tb, c, fn, inngesttest.Event(inngest.Event[string]{Name: "x", Data: "not an object"}))
			},
			want: "inngesttest.Event: event \"x\": event data must encode as a JSON object",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			require.Contains(t, failures(t, tc.run), tc.want)
		})
	}
}

func TestUnmockedInvokeOfAnotherApp(t *testing.T) {
	t.Parallel()
	c := inngesttest.NewClient(t, inngest.ClientConfig{AppID: "a"})
	fn := create(t, c, inngest.FunctionOpts{ID: "caller"}, inngest.OnEvent("go"),
		func(ctx context.Context, in inngest.Input[map[string]any]) (int, error) {
			return step.InvokeByID[int](ctx, "remote", "b-price", map[string]any{}, nil)
		})

	msg := failures(t, func(tb testing.TB) { inngesttest.Run(tb, c, fn) })

	require.Contains(t, msg, `step "remote" of a-caller invokes "b-price", which client "a" does not serve: mock it with inngesttest.MockInvoke("remote", ...)`)

	res := inngesttest.Run(t, c, fn, inngesttest.MockInvoke("remote", func(map[string]any) (int, error) { return 9, nil }))
	require.Equal(t, 9, res.Output)
}

// logRecorder is a testing.TB that keeps what is logged.
type logRecorder struct {
	testing.TB
	mu   sync.Mutex
	logs []string
}

func (r *logRecorder) Logf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.logs = append(r.logs, fmt.Sprintf(format, args...))
}

func TestUnusedMockIsLogged(t *testing.T) {
	t.Parallel()
	c, fn := approvalFunction(t)
	r := &logRecorder{TB: t}

	inngesttest.Run(r, c, fn, inngesttest.MockWaitTimeout("wait-approval"), inngesttest.MockStepResult("escalte", "typo"))

	require.Equal(t, []string{`inngesttest: the mock of step "escalte" was not used; steps of billing-approve-invoice: "wait-approval" (waitForEvent), "escalate" (run)`}, r.logs)
}
