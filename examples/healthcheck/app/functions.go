// Package app is the scheduled-check pattern: every five minutes a cron
// run checks each service in a step of its own (step IDs built from the
// service name) and sends an alert event for each unhealthy one; a second
// function pages the on-call engineer for each alert.
package app

import (
	"context"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/step"
)

// AppID is the example's app ID.
const AppID = "healthcheck"

// Status is one service's health.
type Status struct {
	Service string `json:"service"`
	Healthy bool   `json:"healthy"`
	Detail  string `json:"detail,omitempty"`
}

// Events of the pattern. CheckRequested runs the check now, on top of the
// schedule.
var (
	CheckRequested = inngest.EventType[struct{}]("ops/healthcheck.requested")
	ServiceDown    = inngest.EventType[Status]("ops/service.down")
)

// Report is what a check run returns: every service's status and the IDs
// of the alert events sent.
type Report struct {
	Statuses []Status `json:"statuses"`
	Alerts   []string `json:"alerts,omitempty"`
}

// Ops is what the functions talk to; swap in your own.
type Ops interface {
	Services() []string
	Check(ctx context.Context, service string) (Status, error)
	Page(ctx context.Context, s Status) error
}

// Functions are the pattern's functions.
type Functions struct {
	Check *inngest.Function[struct{}, Report]
	Page  *inngest.Function[Status, bool]
}

// Register creates the checker and the pager.
func Register(c *inngest.Client, ops Ops) (*Functions, error) {
	var fns Functions
	var err error
	fns.Check, err = inngest.CreateFunction(c,
		inngest.FunctionOpts{ID: "check-services"},
		CheckRequested.Trigger().OrCron("*/5 * * * *"),
		func(ctx context.Context, in inngest.Input[struct{}]) (Report, error) {
			var rep Report
			var down []inngest.Sendable
			for _, name := range ops.Services() {
				s, err := step.Run(ctx, "check-"+name, func(ctx context.Context) (Status, error) {
					return ops.Check(ctx, name)
				})
				if err != nil {
					return rep, err
				}
				rep.Statuses = append(rep.Statuses, s)
				if !s.Healthy {
					down = append(down, ServiceDown.New(s))
				}
			}
			if len(down) > 0 {
				var err error
				if rep.Alerts, err = step.SendEvent(ctx, "send-alerts", down...); err != nil {
					return rep, err
				}
			}
			return rep, nil
		})
	if err != nil {
		return nil, err
	}
	fns.Page, err = inngest.CreateFunction(c,
		inngest.FunctionOpts{ID: "page-on-call"},
		ServiceDown.Trigger(),
		func(ctx context.Context, in inngest.Input[Status]) (bool, error) {
			return step.Run(ctx, "page", func(ctx context.Context) (bool, error) {
				return true, ops.Page(ctx, in.Event.Data)
			})
		})
	return &fns, err
}
