package devserver

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// TimelineKind names one kind of timeline entry.
type TimelineKind string

// Timeline entry kinds.
const (
	// TimelineQueued: the run was created and waits for its first call.
	TimelineQueued TimelineKind = "queued"
	// TimelineStep: a step's code ran and its result was saved.
	TimelineStep TimelineKind = "step"
	// TimelineStepError: a step's code failed; it will be retried.
	TimelineStepError TimelineKind = "step.error"
	// TimelineStepFailed: a step failed for good; its error was saved.
	TimelineStepFailed TimelineKind = "step.failed"
	// TimelinePlanned: a step was planned to run on its own call.
	TimelinePlanned TimelineKind = "step.planned"
	// TimelineSleep: the run began sleeping.
	TimelineSleep TimelineKind = "sleep"
	// TimelineWoke: a sleep ended.
	TimelineWoke TimelineKind = "sleep.done"
	// TimelineWait: the run began waiting for an event.
	TimelineWait TimelineKind = "wait"
	// TimelineWaitMatched: an awaited event arrived.
	TimelineWaitMatched TimelineKind = "wait.matched"
	// TimelineWaitTimeout: a wait timed out.
	TimelineWaitTimeout TimelineKind = "wait.timeout"
	// TimelineInvoke: the run invoked another function.
	TimelineInvoke TimelineKind = "invoke"
	// TimelineInvokeDone: the invoked run ended (or the invoke timed out).
	TimelineInvokeDone TimelineKind = "invoke.done"
	// TimelineGateway: the server made an HTTP request for a Gateway or
	// AIGateway op (step.fetch, step.ai.infer); its result is a step,
	// step.error or step.failed entry.
	TimelineGateway TimelineKind = "gateway"
	// TimelineError: a call failed as a whole; it will be retried.
	TimelineError TimelineKind = "error"
	// TimelineCompleted, TimelineFailed and TimelineCancelled end a run.
	TimelineCompleted TimelineKind = "completed"
	TimelineFailed    TimelineKind = "failed"
	TimelineCancelled TimelineKind = "cancelled"
)

// TimelineEntry is one thing that happened to a run.
type TimelineEntry struct {
	// At is when it happened, on the server's clock.
	At time.Time `json:"at"`
	// Kind says what happened.
	Kind TimelineKind `json:"kind"`
	// StepID is the hashed step ID, when the entry concerns a step.
	StepID string `json:"step_id,omitempty"`
	// Name is the step's name as the SDK reported it.
	Name string `json:"name,omitempty"`
	// Attempt counts retries of the call, from 0.
	Attempt int `json:"attempt"`
	// Duration is how long the call that produced the entry took, or how
	// long a sleep, wait or invoke lasted.
	Duration time.Duration `json:"duration"`
	// Detail is a short human-readable note: an error message, a result,
	// a wake-up time.
	Detail string `json:"detail,omitempty"`
	// Checkpointed is set on a step entry whose result the SDK saved
	// through the checkpoint API while its call request went on.
	Checkpointed bool `json:"checkpointed,omitempty"`
}

// maxDetail bounds the detail text of one entry.
const maxDetail = 120

func shorten(s string) string {
	s = strings.TrimSpace(s)
	if len(s) > maxDetail {
		return s[:maxDetail-1] + "…"
	}
	return s
}

// FormatTimeline renders a run's timeline as a readable trace, with times
// relative to the run's creation:
//
//	run 01J… (app-fn) Completed in 24h0m0s
//	  +0s        queued
//	  +0s        step          "fetch" → {"ok":true}
//	  +0s        sleep         "nap" until +24h0m0s
//	  +24h0m0s   sleep.done    "nap"
//	  +24h0m0s   completed     → "done"
func FormatTimeline(r *Run) string {
	var b strings.Builder
	_ = PrintTimeline(&b, r)
	return b.String()
}

// PrintTimeline writes FormatTimeline(r) to w.
func PrintTimeline(w io.Writer, r *Run) error {
	if r == nil {
		_, err := io.WriteString(w, "(no run)\n")
		return err
	}
	var start time.Time
	if len(r.Timeline) > 0 {
		start = r.Timeline[0].At
	}
	head := fmt.Sprintf("run %s (%s) %s", r.ID, r.FunctionID, r.Status)
	if !r.EndedAt.IsZero() && !start.IsZero() {
		head += " in " + r.EndedAt.Sub(start).String()
	}
	if _, err := fmt.Fprintln(w, head); err != nil {
		return err
	}
	for _, e := range r.Timeline {
		line := fmt.Sprintf("  %-10s %-13s", "+"+e.At.Sub(start).String(), string(e.Kind))
		if e.Name != "" {
			line += fmt.Sprintf(" %q", e.Name)
		}
		if e.Attempt > 0 {
			line += fmt.Sprintf(" attempt %d", e.Attempt)
		}
		if e.Checkpointed {
			line += " (checkpointed)"
		}
		if e.Detail != "" {
			line += " " + e.Detail
		}
		if _, err := fmt.Fprintln(w, strings.TrimRight(line, " ")); err != nil {
			return err
		}
	}
	return nil
}
