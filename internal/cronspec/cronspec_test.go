package cronspec

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestParse(t *testing.T) {
	t.Parallel()
	refused := map[string]string{
		"":                          `the schedule is empty; write five fields, such as "0 * * * *"`,
		"\t":                        `the schedule is empty; write five fields, such as "0 * * * *"`,
		"@every -1s":                `the Inngest server does not accept @every; write five fields, such as "*/5 * * * *" for every five minutes`,
		"@every 5m":                 `the Inngest server does not accept @every; write five fields, such as "*/5 * * * *" for every five minutes`,
		"@hourly":                   `the Inngest server does not accept descriptors such as @hourly; write five fields: "0 * * * *"`,
		"@weekly":                   `the Inngest server does not accept descriptors such as @weekly; write five fields: "0 0 * * 0"`,
		"CRON_TZ=UTC @yearly":       `the Inngest server does not accept descriptors such as @yearly; write five fields: "0 0 1 1 *"`,
		"@fortnightly":              `the Inngest server does not accept descriptors such as @fortnightly; write five fields, such as "0 * * * *"`,
		"TZ=UTC":                    `a TZ= prefix must be followed by a space and five fields, such as "TZ=Europe/Paris 0 9 * * *"`,
		"TZ=UTC ":                   `a TZ= prefix must be followed by a space and five fields, such as "TZ=Europe/Paris 0 9 * * *"`,
		"CRON_TZ=":                  `a TZ= prefix must be followed by a space and five fields, such as "TZ=Europe/Paris 0 9 * * *"`,
		"TZ=Mars/Olympus 0 * * * *": `unknown time zone "Mars/Olympus"`,
		"TZ=../etc 0 * * * *":       `unknown time zone "../etc"`,
		"0 * * * * *":               `expected exactly 5 fields, found 6: [0 * * * * *]`,
		"0 * * *":                   `expected exactly 5 fields, found 4: [0 * * *]`,
		"*/0 * * * *":               `step of range should be a positive number: */0`,
		"0 0 * * 7":                 `end of range (7) above maximum (6): 7`,
	}
	for spec, want := range refused {
		_, err := Parse(spec)
		require.EqualError(t, err, want, "spec %q", spec)
	}

	from := time.Date(2026, 3, 2, 10, 7, 0, 0, time.UTC) // a Monday
	paris, err := time.LoadLocation("Europe/Paris")
	require.NoError(t, err)
	accepted := map[string]time.Time{
		"*/5 * * * *":                  time.Date(2026, 3, 2, 10, 10, 0, 0, time.UTC),
		"TZ=UTC 0 9 * * TUE":           time.Date(2026, 3, 3, 9, 0, 0, 0, time.UTC),
		"CRON_TZ=UTC 0 0 1 1 *":        time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC),
		"TZ=Europe/Paris 0 12 * * 1-5": time.Date(2026, 3, 2, 12, 0, 0, 0, paris),
		"0 0 30 2 *":                   {}, // valid, never fires
	}
	for spec, want := range accepted {
		s, err := Parse(spec)
		require.NoError(t, err, "spec %q", spec)
		require.True(t, want.Equal(s.Next(from)), "spec %q: next %s, want %s", spec, s.Next(from), want)
	}
}

// FuzzParse checks that no schedule makes Parse panic, and that what it
// accepts has five fields and never fires twice in one minute.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"* * * * *", "TZ=UTC", "TZ=Europe/Paris 0 9 * * 1-5", "@every 1s", "CRON_TZ= 0 0 * * *", "1-5/2 */3 ? JAN-MAR SUN", "TZ=\t* * * * *"} {
		f.Add(s)
	}
	from := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, spec string) {
		s, err := Parse(spec)
		if err != nil {
			return
		}
		a := s.Next(from)
		if a.IsZero() {
			return
		}
		if b := s.Next(a); !b.IsZero() && b.Sub(a) < time.Minute {
			t.Fatalf("%q fires at %s and again at %s", spec, a, b)
		}
	})
}
