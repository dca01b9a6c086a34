// Package cronspec parses cron schedules as the Inngest server accepts
// them. The SDK checks a cron trigger with it when a function is created,
// and the embedded orchestrator when an app syncs, so the two agree.
//
// The server validates a cron trigger with robfig/cron's parser set to
// five fields (minute, hour, day of month, month, day of week) and no
// descriptors: "@hourly", "@every 5m" and the like are refused at sync.
// A "TZ=<zone> " or "CRON_TZ=<zone> " prefix chooses the time zone. Parse
// refuses the same schedules, with errors that say what to write instead,
// and refuses without a panic the input that makes that parser panic (a
// TZ= prefix with nothing after it).
package cronspec

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
)

// Schedule gives the activation times of a parsed schedule.
type Schedule interface {
	// Next returns the first activation time after t, or the zero time
	// when there is none (such as for "0 0 30 2 *").
	Next(t time.Time) time.Time
}

// parser is the server's: five fields, no descriptors.
var parser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow)

// fiveFields are the five-field forms of the descriptors robfig/cron
// knows, for the error that refuses them.
var fiveFields = map[string]string{
	"@yearly":   "0 0 1 1 *",
	"@annually": "0 0 1 1 *",
	"@monthly":  "0 0 1 * *",
	"@weekly":   "0 0 * * 0",
	"@daily":    "0 0 * * *",
	"@midnight": "0 0 * * *",
	"@hourly":   "0 * * * *",
}

// Parse returns the schedule spec describes, or an error saying why the
// server would refuse it and what to write instead. The error does not
// repeat spec.
func Parse(spec string) (Schedule, error) {
	if strings.TrimSpace(spec) == "" {
		return nil, errors.New(`the schedule is empty; write five fields, such as "0 * * * *"`)
	}
	fields := spec
	if strings.HasPrefix(spec, "TZ=") || strings.HasPrefix(spec, "CRON_TZ=") {
		sp := strings.IndexByte(spec, ' ')
		if sp < 0 || strings.TrimSpace(spec[sp:]) == "" {
			return nil, errors.New(`a TZ= prefix must be followed by a space and five fields, such as "TZ=Europe/Paris 0 9 * * *"`)
		}
		zone := spec[strings.IndexByte(spec, '=')+1 : sp]
		if _, err := time.LoadLocation(zone); err != nil {
			return nil, fmt.Errorf("unknown time zone %q", zone)
		}
		fields = strings.TrimSpace(spec[sp:])
	}
	if strings.HasPrefix(fields, "@") {
		name, _, _ := strings.Cut(fields, " ")
		switch five, ok := fiveFields[name]; {
		case name == "@every":
			return nil, errors.New(`the Inngest server does not accept @every; write five fields, such as "*/5 * * * *" for every five minutes`)
		case ok:
			return nil, fmt.Errorf("the Inngest server does not accept descriptors such as %s; write five fields: %q", name, five)
		default:
			return nil, fmt.Errorf(`the Inngest server does not accept descriptors such as %s; write five fields, such as "0 * * * *"`, name)
		}
	}
	s, err := parser.Parse(spec)
	if err != nil {
		return nil, err
	}
	return s, nil
}
