package inngest

import (
	"errors"
	"fmt"
	"reflect"
	"time"

	"github.com/durablefn/inngest/internal/timestr"
	"github.com/durablefn/inngest/internal/wire"
)

// CancelOn cancels a run when Event arrives and If holds, with the
// triggering event as `event` and the new one as `async`.
//
//	CancelOn: []inngest.CancelOn{{Type: ReminderCancelled, Match: "data.reminderId"}}
type CancelOn struct {
	// Event is the name of the cancelling event. Set Event or Type.
	Event string
	// Type is the cancelling event declared with EventType, in place of
	// Event: Match is then also checked against its data type.
	Type DeclaredEvent
	// If is an optional CEL expression; both If and Match must hold.
	If string
	// Match is shorthand for If: a field path such as "data.userId" that
	// must be equal in both events. It must start with "data.", "user.",
	// "id", "name", "ts" or "v", and where the function's event data
	// type, or Type's, is a struct, name its JSON fields (a map or an
	// interface allows anything below it): CreateFunction returns an
	// error for a path that could never match.
	Match string
	// Timeout bounds how long the cancellation stays armed. 0: the life
	// of the run.
	Timeout time.Duration
}

// toWire checks a cancellation and returns its wire form. data is the
// data type of the function's triggering events, which Match is checked
// against as well as the cancelling event's, when Type gives it.
func (co CancelOn) toWire(data reflect.Type) (wire.Cancel, error) {
	name := co.Event
	var async reflect.Type
	if co.Type != nil {
		if co.Event != "" && co.Event != co.Type.Name() {
			return wire.Cancel{}, fmt.Errorf("CancelOn has Event %q and Type %q; set one of them", co.Event, co.Type.Name())
		}
		name, async = co.Type.Name(), co.Type.dataType()
	}
	if name == "" {
		return wire.Cancel{}, errors.New("CancelOn needs an Event (or a Type)")
	}
	if co.Timeout < 0 {
		return wire.Cancel{}, errors.New("CancelOn.Timeout must not be negative")
	}
	wc := wire.Cancel{Event: name, If: strPtr(co.If)}
	if co.Match != "" {
		expr, err := co.matchExpr(data, async)
		if err != nil {
			return wire.Cancel{}, fmt.Errorf("CancelOn %q: %w", name, err)
		}
		wc.If = &expr
	}
	if co.Timeout > 0 {
		s := timestr.Format(co.Timeout)
		wc.Timeout = &s
	}
	return wc, nil
}

// matchExpr returns the expression Match and If stand for together,
// checking Match against both events' data types.
func (co CancelOn) matchExpr(data, async reflect.Type) (string, error) {
	p, err := parseMatch(co.Match)
	if err == nil {
		err = p.check(data, "the triggering event")
	}
	if err == nil {
		err = p.check(async, "the cancelling event")
	}
	if err != nil {
		return "", err
	}
	expr := p.expr()
	if co.If != "" {
		expr = "(" + co.If + ") && " + expr
	}
	return expr, nil
}

// Timeouts cancel runs that wait too long to start or run too long.
type Timeouts struct {
	// Start cancels a run not started within this time of its event.
	// 0: no limit.
	Start time.Duration
	// Finish cancels a run not finished within this time of its start.
	// 0: no limit.
	Finish time.Duration
}

func (t *Timeouts) validate() error {
	switch {
	case t == nil:
		return nil
	case t.Start < 0:
		return errors.New("Timeouts.Start must not be negative")
	case t.Finish < 0:
		return errors.New("Timeouts.Finish must not be negative")
	}
	return nil
}

func (t *Timeouts) toWire() *wire.Timeouts {
	if t == nil {
		return nil
	}
	w := &wire.Timeouts{}
	if t.Start != 0 {
		s := timestr.Format(t.Start)
		w.Start = &s
	}
	if t.Finish != 0 {
		s := timestr.Format(t.Finish)
		w.Finish = &s
	}
	return w
}
