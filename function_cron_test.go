package inngest

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
)

// CreateFunction refuses the schedules the Inngest server refuses at sync,
// with an error naming the function and the schedule, and never panics.
func TestCreateFunctionCron(t *testing.T) {
	t.Parallel()
	noop := func(ctx context.Context, in Input[CronData]) (any, error) { return nil, nil }
	refused := map[string]string{
		"@every -1s":                `inngest: function "tick": triggers[0].cron: invalid cron "@every -1s": the Inngest server does not accept @every; write five fields, such as "*/5 * * * *" for every five minutes`,
		"@every 1s":                 `inngest: function "tick": triggers[0].cron: invalid cron "@every 1s": the Inngest server does not accept @every; write five fields, such as "*/5 * * * *" for every five minutes`,
		"@hourly":                   `inngest: function "tick": triggers[0].cron: invalid cron "@hourly": the Inngest server does not accept descriptors such as @hourly; write five fields: "0 * * * *"`,
		"TZ=UTC @daily":             `inngest: function "tick": triggers[0].cron: invalid cron "TZ=UTC @daily": the Inngest server does not accept descriptors such as @daily; write five fields: "0 0 * * *"`,
		"TZ=UTC":                    `inngest: function "tick": triggers[0].cron: invalid cron "TZ=UTC": a TZ= prefix must be followed by a space and five fields, such as "TZ=Europe/Paris 0 9 * * *"`,
		"CRON_TZ=Europe/Paris":      `inngest: function "tick": triggers[0].cron: invalid cron "CRON_TZ=Europe/Paris": a TZ= prefix must be followed by a space and five fields, such as "TZ=Europe/Paris 0 9 * * *"`,
		"TZ=Nowhere/City 0 * * * *": `inngest: function "tick": triggers[0].cron: invalid cron "TZ=Nowhere/City 0 * * * *": unknown time zone "Nowhere/City"`,
		"TZ=UTC @every 1m":          `inngest: function "tick": triggers[0].cron: invalid cron "TZ=UTC @every 1m": the Inngest server does not accept @every; write five fields, such as "*/5 * * * *" for every five minutes`,
		"* * * * * *":               `inngest: function "tick": triggers[0].cron: invalid cron "* * * * * *": expected exactly 5 fields, found 6: [* * * * * *]`,
		"61 * * * *":                `inngest: function "tick": triggers[0].cron: invalid cron "61 * * * *": end of range (61) above maximum (59): 61`,
		"":                          `inngest: function "tick": triggers[0]: a trigger must have an event name or a cron schedule`,
		" ":                         `inngest: function "tick": triggers[0].cron: invalid cron " ": the schedule is empty; write five fields, such as "0 * * * *"`,
	}
	for spec, want := range refused {
		t.Run("Refuses"+spec, func(t *testing.T) {
			t.Parallel()
			c, err := NewClient(ClientConfig{AppID: "app", Dev: "1"})
			require.NoError(t, err)
			require.NotPanics(t, func() {
				_, err = CreateFunction(c, FunctionOpts{ID: "tick"}, OnCron(spec), noop)
			})
			require.EqualError(t, err, want)
		})
	}
	for _, spec := range []string{"*/5 * * * *", "0 9 * * MON-FRI", "TZ=Europe/Paris 0 9 * * 1-5", "CRON_TZ=UTC 0 0 1 1 *", "0 0 1 */2 *"} {
		t.Run("Accepts"+spec, func(t *testing.T) {
			t.Parallel()
			c, err := NewClient(ClientConfig{AppID: "app", Dev: "1"})
			require.NoError(t, err)
			_, err = CreateFunction(c, FunctionOpts{ID: "tick"}, OnCron(spec), noop)
			require.NoError(t, err)
		})
	}
}
