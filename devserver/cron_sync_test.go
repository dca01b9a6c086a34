package devserver_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/durablefn/inngest/devserver"
)

// A sync whose cron schedule the real server refuses is refused here too,
// naming the function and the schedule, instead of firing it every second
// (or panicking on a bare TZ= prefix).
func TestSyncRefusesCronTheServerRefuses(t *testing.T) {
	srv := startServer(t, devserver.Config{})
	cases := map[string]string{
		"@every -1s": `invalid sync payload: function "a-tick": triggers[0].cron: invalid cron "@every -1s": the Inngest server does not accept @every; write five fields, such as "*/5 * * * *" for every five minutes`,
		"@hourly":    `invalid sync payload: function "a-tick": triggers[0].cron: invalid cron "@hourly": the Inngest server does not accept descriptors such as @hourly; write five fields: "0 * * * *"`,
		"TZ=UTC":     `invalid sync payload: function "a-tick": triggers[0].cron: invalid cron "TZ=UTC": a TZ= prefix must be followed by a space and five fields, such as "TZ=Europe/Paris 0 9 * * *"`,
	}
	for spec, want := range cases {
		t.Run(spec, func(t *testing.T) {
			cron, err := json.Marshal(spec)
			require.NoError(t, err)
			status, out := postJSON(t, srv.URL()+"/fn/register", `{"url":"http://127.0.0.1:1/api","appName":"a","functions":[{"id":"a-tick","name":"tick","triggers":[{"cron":`+string(cron)+`}],"steps":{"step":`+step1+`}}]}`)
			require.Equal(t, 400, status, out)
			require.Equal(t, want, out["error"])
		})
	}
	require.Empty(t, srv.Functions())
}
