package wire

import (
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// maxRetryAfterSeconds is the largest number of seconds a time.Duration
// holds (about 292 years).
const maxRetryAfterSeconds = math.MaxInt64 / int64(time.Second)

// FormatRetryAfter formats a Retry-After value: a delay (after > 0) as
// whole seconds, else a time as RFC 3339 rounded up to the second. The
// real server reads N seconds as "the current whole second plus N", a
// wait of N-1 to N seconds, so a delay is sent as one second more than
// its rounded-up length: the retry never comes sooner than asked, and at
// most a second later. The handler sends it; the test engine reads a
// mocked step's error through it and ParseRetryAfter, so a delay shows
// the same in unit mode as on an orchestrator.
func FormatRetryAfter(after time.Duration, at time.Time) string {
	if after > 0 {
		secs := (after+time.Second-1)/time.Second + 1
		return strconv.FormatInt(int64(secs), 10)
	}
	if tr := at.Truncate(time.Second); !tr.Equal(at) {
		at = tr.Add(time.Second)
	}
	return at.UTC().Format(time.RFC3339)
}

// ParseRetryAfter reads a Retry-After value (whole seconds, an RFC 3339
// time or an HTTP date) as the time a retry may start; the zero time when
// it says nothing usable. Orchestrators (devserver, inngesttest) share it.
func ParseRetryAfter(v string, now time.Time) time.Time {
	v = strings.TrimSpace(v)
	if v == "" {
		return time.Time{}
	}
	if n, err := strconv.Atoi(v); err == nil {
		if n < 0 {
			return time.Time{}
		}
		// As the real server does: the current whole second plus n, with n
		// bounded so that the duration cannot overflow into the past.
		secs := min(int64(n), maxRetryAfterSeconds)
		return now.Truncate(time.Second).Add(time.Duration(secs) * time.Second)
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t
	}
	if t, err := http.ParseTime(v); err == nil {
		return t
	}
	return time.Time{}
}
