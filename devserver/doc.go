// Package devserver is an embedded, pure-Go Inngest orchestrator: the
// server side of the protocol the SDK speaks. It runs functions served by
// any Inngest SDK, in-process for tests, examples and demos, or as the
// standalone binary cmd/inngest-dev for local development.
//
// It is meant for one machine. State is kept in memory, or, with
// Config.Store (package store/sqlitestore, cmd/inngest-dev --db), in a
// SQLite file that survives restarts and crashes (docs/STORE.md). At
// scale, move to the real Inngest server (self-hosted or Cloud); the SDK
// code does not change.
//
// # Embedding
//
//	srv, _ := devserver.New(devserver.Config{TimeSkipping: true})
//	_ = srv.Start(ctx)
//	defer srv.Close(ctx)
//
//	client, _ := inngest.NewClient(inngest.ClientConfig{
//		AppID: "shop", Dev: srv.URL(), HTTPClient: srv.HTTPClient(),
//	})
//	// … inngest.CreateFunction(client, …)
//	_ = srv.AddApp(ctx, "http://shop.local/api/inngest", handler.New(client, handler.Config{}))
//
//	ids, _ := srv.SendEvent(ctx, devserver.Event{Name: "order/placed", Data: order})
//	runs, _ := srv.WaitForEventRuns(ctx, ids[0], 1)
//	devserver.PrintTimeline(os.Stdout, runs[0])
//
// AddApp serves an app's http.Handler in-process, with no socket;
// HTTPClient reaches both the server's API and those apps in-process. An
// app on a real address is synced with SyncApp (or `--sdk-url`).
//
// # Reading the state
//
// [Server.Run], [Server.Runs] and [Server.FunctionRuns] return runs with
// their timelines; [Server.ListRuns] and [Server.ListEvents] list runs
// and events by filter, newest first; [Server.Apps] describes the synced
// apps and their functions; [Server.Changed] tells a live view when to
// read again; [Server.Rerun] runs a run's function again on its events.
// Package devserver/ui is a web UI built on them, mounted beside the API
// with Config.UI.
//
// # Sync
//
// A sync (POST /fn/register, or an app's in-band answer) is checked as
// the real server checks it, with its limits: one step with an http(s)
// URL, at most 10 triggers and no duplicates, cron jitter of 1s to 5m,
// at most 2 concurrency limits and 5 cancellations, cancellation
// expressions that keep to logic, debounce periods of 1s to 7 days,
// batches of at least 2 events and 1s, rate-limit periods up to 24 hours,
// batching alone with cancel, debounce, singleton and priority, and every
// expression compiled. A config the server refuses is answered 400, with
// every problem named by function and field; nothing of the app changes.
// POST /v0/apps answers 400 too, with the server's error code
// (unsupported_protocol, unreachable, …), for a URL it cannot sync.
// With a signing key, an in-band answer counts only with a valid
// X-Inngest-Signature, and ProbeTrust checks that an app holds the key.
//
// An app may stream its answers (201, whitespace, then one frame with the
// answer's status, headers and body); they are read as the real server
// reads them, from any SDK.
//
// # Time
//
// Every timer (sleeps, wait timeouts, retry backoff, batch and debounce
// windows, throttles, timeouts, cron) reads one [Clock]. A
// [*VirtualClock] moves only when told; with Config.TimeSkipping the
// server jumps it to the next timer whenever no call is in flight and
// nothing is ready to run, so a seven-day wait times out in milliseconds.
// Cron schedules never pull the clock forward (a cron would keep a
// skipping clock busy forever); advance the clock to fire them
// ([Server.Advance]). Every tick the clock passes fires, in order, each
// with its own scheduledAt, as on the real server, which schedules each
// tick from the one before: advancing a "*/5 * * * *" cron by a day
// starts 288 runs, and so does a day-long sleep skipped over. A cron
// trigger's jitter delays each tick by 1s up to the jitter, as on the
// real server, by an amount taken from a hash of the tick: the same tick
// fires at the same time on every run of a test.
//
// # Execution
//
// Each event starts a run of every function whose trigger matches (name
// and CEL expression). A run is a series of calls to the app: a discovery
// call (stepId=step) and, for steps the SDK planned, targeted calls run
// concurrently. Results are memoized in the run's state, which every later
// call carries. StepError answers are retried with backoff (Config.Backoff,
// honouring Retry-After) up to the function's attempts, then memoized as
// errors; function errors are retried the same way, unless the app said
// X-Inngest-No-Retry. Sleeps and waits become timers and pauses; an
// invoke starts a child run whose outcome is memoized in the parent.
// Failures emit inngest/function.failed, cancellations
// inngest/function.cancelled, and every run's end inngest/function.finished.
//
// Answers are read as the real server reads them, so apps of every SDK run
// unmodified: every op shape it accepts (a sleep's duration or a wait's
// event in the op's name, as inngest-js sends them; one op object or an
// array), and Gateway and AIGateway ops (step.fetch, step.ai.infer),
// whose HTTP request the server makes and memoizes. Run IDs and the IDs
// SendEvent and POST /e return are ULIDs of the server's own; an event's
// "id" field stays the sender's, its idempotency key.
//
// Pauses (waits and cancelOn rules) are indexed by event name and, when
// the expression has the form `async.<field> == <event field or literal>`,
// by that field's value, so an incoming event meets only the pauses that
// can match it. Recent events are kept per name, so that a wait also sees
// an event that arrived while the call that reported the wait was running.
//
// A run can also be cancelled by hand, with [Server.CancelRun] or DELETE
// /v1/runs/{runID}: between steps, like a cancelOn rule, with no onFailure.
//
// SDKs that checkpoint (inngestgo's Checkpoint, inngest-js v4, this
// module's inngest.Checkpoint) save the steps they run while a call goes
// on through POST /v1/checkpoint/{runID}/async, as on the real server:
// each checkpoint is saved whole or refused whole, a step saved again is
// ignored, and the steps show in the timeline marked checkpointed.
//
// # Flow control
//
// cancelOn, cron triggers, batchEvents, debounce, concurrency limits (per
// function and per key: they bound calls in flight), throttle (delays run
// starts), rate limit (drops runs), idempotency keys (24 hours), priority
// (moves queued calls ahead by up to 600 seconds), start and finish
// timeouts (cancel the run) and singleton (skip or cancel).
//
// Throttle and rate limit are the real server's GCRA, per function and key:
// a key lets a burst through at once, then one run every period/limit. A
// throttle's burst is limit+burst runs, its period counted in whole
// seconds, and runs over it start later, in order; it is met when a run
// would start, so a run cancelled while it waits takes no start. A rate
// limit's burst is limit/10+1 runs, and runs over it are dropped (no run
// is recorded). As on the real server, an idempotency key is a rate limit of one run per 24
// hours that takes the place of any rateLimit; a key expression that
// evaluates to false exempts the event; the check comes before debouncing
// (each event is checked, not the debounced run) and batched events skip
// it. Runs started by step.Invoke meet rate limit, idempotency, singleton,
// throttle and concurrency like any other run: a rate-limited invocation
// fails the invoking step, and one skipped by a singleton or an
// idempotency key leaves it waiting for its timeout, as on the real
// server. Unlike the real server, invoked runs are never batched or
// debounced.
//
// # Visibility
//
// Each run keeps a timeline ([TimelineEntry]): what happened, when on the
// server's clock, which attempt, how long. [Server.Run] and the API's GET
// /v1/runs/{id} return it; [FormatTimeline] renders it as a trace.
//
// # Retention
//
// A long-running server holds bounded memory. Events are kept for
// Config.EventRetention (24 hours, as on the real server) and at most
// Config.MaxEvents; while an event is kept, another with its ID starts
// nothing, and once it is gone the ID starts runs again. Idempotency keys
// last 24 hours, at most Config.MaxEvents of them. Finished runs, with
// their steps and timelines, are kept up to Config.MaxFinishedRuns and,
// when Config.RunRetention is set, for that long after they ended; the
// oldest go first. Running runs are never dropped. All of it is measured
// on the server's clock, so a virtual clock moved forward lets go of
// history as real time would. [Server.Stats] reports what is held.
//
// Every queue fed from outside is bounded. Request bodies are bounded by
// Config.MaxBodyBytes and events by Config.MaxEventBytes; calls that are
// due but wait for a slot by Config.MaxQueuedCalls, past which POST /e
// answers 429 with a JSON message (accepting nothing) and SendEvent waits;
// calls in flight by Config.MaxInFlight, which also sizes the channel
// their results come back on. Events are kept for matching a wait
// reported late (by a call that was in flight when they arrived) only as
// long as such a call is, and at most 16384 per name.
//
// # Storage
//
// The server works on its state in memory, changed under its lock. With a
// Config.Store, every change is journaled and committed to the store in
// groups (one transaction for many calls), and acknowledgements wait for
// their commit; Start restores the state and re-arms its timers, and
// calls in flight at a crash are made again (steps run at least once).
// See docs/STORE.md for the guarantees and the SQLite schema.
package devserver
