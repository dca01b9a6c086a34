// Package inngesttest tests Inngest functions without a server, named
// after net/http/httptest. It has three modes: unit mode runs one
// function in process ([Run]); integration mode hosts an app on the
// embedded orchestrator on a virtual clock ([NewEnv]); the determinism
// check pins a run's history under testdata/ and replays it against the
// current code ([Record], [Replay]).
//
// # Unit mode
//
// [Run] executes one function in process through the SDK's real handler:
// the engine builds the call requests an orchestrator would send, reads
// the answers as JSON, saves each step's result and calls again, until the
// function returns, fails for good, or reaches the step named by
// [StopAt]. No socket is opened and no time passes: sleeps, waits and
// retry delays move a virtual clock.
//
//	func TestCheckout(t *testing.T) {
//		c := inngesttest.NewClient(t, inngest.ClientConfig{AppID: "shop"})
//		fn := newCheckout(c) // creates the function on c
//		res := inngesttest.Run(t, c, fn,
//			inngesttest.Event(OrderPlaced.New(Order{ID: "o1"})),
//			inngesttest.MockStepResult("charge", Receipt{ID: "r1"}),
//		)
//		require.NoError(t, res.Err)
//		require.Equal(t, "r1", res.Output.ReceiptID)
//		require.Equal(t, []string{"charge", "ship"}, res.StepIDs())
//	}
//
// The result holds the function's output (typed, and raw), its error, and
// a record of every step in order: ID, kind, options, result or error and
// attempts. See [Result], [RunRecord] and [StepRecord].
//
// # What the engine models
//
//   - Step retries: a failed step is called again with the next attempt
//     number until the function's retries are exhausted, then its error
//     is saved and returned to the function. inngest.NonRetriable errors
//     fail at once; inngest.RetryAfter delays move the virtual clock by
//     what an orchestrator waits for the Retry-After the SDK sends.
//   - Function errors: retried the same way; the run fails when attempts
//     run out, or at once for a non-retriable error or a step's final
//     error returned from the function.
//   - Crons: Run starts a cron-triggered function as a tick would, with
//     the scheduled timer event; in integration mode Env.Advance fires
//     each tick the virtual clock passes, none skipped (see Example_cron).
//   - Parallel steps (step.Parallel): each planned step runs in its own
//     targeted call, as the server does, then the function continues.
//   - Races (step.Race, step.Group.Race): the steps reported in race
//     mode run side by side from the time they were reported, each
//     ending at its own virtual time (a sleep's end, a wait's mocked
//     event or timeout, a mocked invoke's duration, a Run step's retry
//     delays); their results are saved in the order they ended, ties in
//     branch order, which decides the winner.
//   - step.Sleep and step.SleepUntil resolve at once; the record keeps the
//     time they would have taken.
//   - step.WaitForEvent needs a mock: [MockWaitForEvent] or
//     [MockWaitTimeout]. Its If expression (or the one its Match
//     shorthand makes) is evaluated as the embedded orchestrator does,
//     with the run's triggering event (the first event) as `event` and
//     the mocked event as `async`. A mocked event it does not match, or
//     one of another name, never resumes the wait: the step times out
//     and returns nil,
//     [StepRecord.Unmatched] holds the event, and the test's log names
//     the step, the expression and both events. An expression that does
//     not compile fails the test.
//   - step.WaitForSignal needs a mock too: [MockWaitForSignal] with the
//     signal's data, or [MockWaitTimeout]. In an [Env], send the signal
//     with [Env.SendSignal] (or inngest.Client.SendSignal) while time
//     skipping is off.
//   - Trigger expressions: an event for which the if expression of the
//     function's trigger does not hold starts no run, as on the server.
//     The function does not run; the result's Status is
//     [StatusNotTriggered] and its Err a [*NotTriggeredError] naming the
//     event and the expression, so a test that expects a run fails at
//     require.NoError(t, res.Err) with the reason, and a test of the
//     filter asserts the status. In a batch, rejected events are left out
//     of Input.Events. The test's log shows each rejected event.
//   - step.Invoke of a function served by the same client runs it in
//     process as a nested run; [MockInvoke] answers it instead. When the
//     invoked run outlasts the step's timeout on the virtual clock (a
//     nested run's sleeps and waits, or the duration given to
//     [MockInvokeAfter]), the step resumes at the timeout with the
//     server's error, an *inngest.StepError named
//     InngestInvokeTimeoutError.
//   - step.SendEvent and Client.Send are captured by the client's
//     transport (see [NewClient] and [HTTPClient]), never sent;
//     [MockSendEvent] answers them. So are the signals of
//     step.SendSignal, recorded in [StepRecord.SentSignal]: a signal
//     reaches no run unless [MockSendSignal] names one.
//   - step.Fetch and ai.Infer never reach the network: [MockFetch] serves
//     a fetch with an http.Handler ([MockFetchError] fails it), and
//     [MockInfer] answers a model call with a typed function. A step
//     without a mock fails the test, naming the mock to add. Their
//     records hold the requests ([FetchRecord], [InferRecord]), never a
//     model's key. An ai.Wrap step runs its code, or its [MockStep].
//   - onFailure: when a run fails and the function has an OnFailure
//     handler, the engine runs it with the inngest/function.failed event
//     and records it in RunRecord.OnFailure.
//
// Concurrency, throttling, batching windows, debounce, cancellation and
// function timeouts belong to the orchestrator and are not modelled in
// unit mode: test them in integration mode.
//
// # Wiring the client
//
// Functions are created on a client; Run needs that client. In tests,
// create it with [NewClient], which returns a dev-mode client whose HTTP
// goes to the engine. For an app whose functions are defined on its own
// client, build that client with ClientConfig.HTTPClient set to
// [HTTPClient]() in tests, and with Dev "1" (or a signing key: the engine
// signs its call requests with the client's signing key when it has
// one).
//
// # Mocks
//
// Mocks are keyed by the user's step ID and apply to every repeat of that
// ID, and to every run one Run call makes (the function, functions it
// invokes in process, its onFailure handler). While any step or send mock
// (or StopAt) is set, the engine asks the SDK to report each step before
// running it, so mocked code never runs; otherwise it lets the SDK run a
// lone new step at once, as the server does. A mock that no step used is
// reported in the test's log.
//
// # Integration mode
//
// [NewEnv] starts the embedded orchestrator (package devserver) in
// process, on a virtual clock, and closes it when the test ends. Apps
// are hosted through their real handlers without sockets: create a
// client with [Env.NewClient], create the functions on it, and
// [Env.Serve] it. Events sent with [Env.Send], or by the functions
// themselves, trigger runs as on a real server, so flows across
// functions work: fan-out through step.SendEvent, step.Invoke, waits
// matched by real events and their If expressions, cancelOn, batching,
// debounce, concurrency, throttling, timeouts, retries with backoff. The
// orchestrator makes the requests of step.Fetch and ai.Infer itself:
// point them at a local httptest server.
//
//	func TestFanOut(t *testing.T) {
//		env := inngesttest.NewEnv(t, inngesttest.EnvConfig{})
//		c := env.NewClient(inngest.ClientConfig{AppID: "importer"})
//		newLoader(c)
//		worker := newWorker(c)
//		env.Serve(c)
//		env.Send(ImportRequested.New(ImportJob{Rows: 5}))
//		for _, run := range env.WaitForFunctionRuns(worker.FullID(), 5) {
//			require.Equal(t, inngesttest.StatusCompleted, run.Status, run)
//		}
//	}
//
// Time skipping is on by default: whenever every run waits on a timer the
// clock jumps to it, so a seven-day sleep takes no wall time. To reach a
// run while it sleeps or waits (to cancel it, or send the event it waits
// for), turn it off with EnvConfig.NoTimeSkipping or
// [Env.SetTimeSkipping] and move the clock with [Env.Advance].
// [Env.WaitForEventRun], [Env.WaitForEventRuns], [Env.WaitForFunctionRuns] and
// [Env.WaitIdle] wait for runs to settle; each [EnvRun] has the run's
// status, output ([Output] decodes it), error and timeline, and prints
// as its timeline, so a failed assertion shows what happened.
//
// # Determinism check
//
// Code that changes the steps a run reaches breaks the runs in flight
// when it is deployed: their saved steps no longer match. [Record] runs a
// function in unit mode and, the first time or with the test flag
// -inngesttest.update, writes its history to a JSON file under testdata/:
// the events, every step in order (ID, repeat, kind, hashed ID, options,
// saved result) and the output or error. [Replay] runs the current code
// against that file, answering each step with its recorded result as the
// orchestrator would, and fails the test at the first step that differs:
//
//	step 2: recorded "charge" (run), now "reserve" (run)
package inngesttest
