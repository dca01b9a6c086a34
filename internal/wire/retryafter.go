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
