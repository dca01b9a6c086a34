// Package timestr parses and formats the protocol's time strings (§1.3.2):
// Go durations plus the units "d" (24h) and "w" (168h).
package timestr

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Format writes d compactly ("2s", "1h30m", "500ms"), always parseable by
// Parse and by the real server. Non-positive durations format as "0s".
func Format(d time.Duration) string {
	if d <= 0 {
		return "0s"
	}
	if d%time.Second != 0 {
		if d%time.Millisecond == 0 {
			return strconv.FormatInt(int64(d/time.Millisecond), 10) + "ms"
		}
		return d.String()
	}
	var b strings.Builder
	h := d / time.Hour
	d %= time.Hour
	m := d / time.Minute
	d %= time.Minute
	s := d / time.Second
	if h > 0 {
		b.WriteString(strconv.FormatInt(int64(h), 10))
		b.WriteByte('h')
	}
	if m > 0 {
		b.WriteString(strconv.FormatInt(int64(m), 10))
		b.WriteByte('m')
	}
	if s > 0 {
		b.WriteString(strconv.FormatInt(int64(s), 10))
		b.WriteByte('s')
	}
	return b.String()
}

var errEmpty = errors.New("empty time string")

// Parse reads a time string: a sequence of decimal numbers with optional
// fraction and a unit each, units ns, us, µs, ms, s, m, h, d, w.
func Parse(s string) (time.Duration, error) {
	if s == "" {
		return 0, errEmpty
	}
	if len(s) > 64 {
		return 0, fmt.Errorf("time string %.16q… too long", s)
	}
	if !strings.ContainsAny(s, "dw") {
		d, err := time.ParseDuration(s)
		if err != nil {
			return 0, fmt.Errorf("invalid time string %q", s)
		}
		return d, nil
	}
	// Split off d and w components, which time.ParseDuration lacks.
	var total time.Duration
	rest := s
	for rest != "" {
		i := 0
		for i < len(rest) && (rest[i] >= '0' && rest[i] <= '9' || rest[i] == '.') {
			i++
		}
		if i == 0 || i == len(rest) {
			return 0, fmt.Errorf("invalid time string %q", s)
		}
		j := i
		for j < len(rest) && (rest[j] < '0' || rest[j] > '9') && rest[j] != '.' {
			j++
		}
		num, unit := rest[:i], rest[i:j]
		rest = rest[j:]
		var mult time.Duration
		switch unit {
		case "d":
			mult = 24 * time.Hour
		case "w":
			mult = 7 * 24 * time.Hour
		default:
			d, err := time.ParseDuration(num + unit)
			if err != nil {
				return 0, fmt.Errorf("invalid time string %q", s)
			}
			total += d
			continue
		}
		f, err := strconv.ParseFloat(num, 64)
		if err != nil {
			return 0, fmt.Errorf("invalid time string %q", s)
		}
		total += time.Duration(f * float64(mult))
	}
	return total, nil
}

// ParseTimeOrDuration reads either an RFC 3339 time or a time string
// relative to now, returning the absolute time it names.
func ParseTimeOrDuration(s string, now time.Time) (time.Time, error) {
	if len(s) >= 10 && strings.ContainsAny(s, "T-") {
		if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
			return t, nil
		}
	}
	d, err := Parse(s)
	if err != nil {
		return time.Time{}, err
	}
	return now.Add(d), nil
}
