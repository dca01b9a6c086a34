package devserver_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/durablefn/inngest/devserver"
)

// POST /v0/apps answers 400 for a URL it cannot sync, with the real
// server's error code, and for an app it cannot reach (the real server
// answers a failed ping with 400 too): never a 5xx.
func TestSyncAppURLsAreRefusedWith4xx(t *testing.T) {
	t.Parallel()
	srv := startServer(t, devserver.Config{})
	cases := []struct {
		name, url, code, want string
	}{
		{"File", "file:///etc/passwd", "unsupported_protocol", `url: "file:///etc/passwd": the scheme must be http or https, not "file"`},
		{"FTP", "ftp://example.com/api", "unsupported_protocol", `the scheme must be http or https, not "ftp"`},
		{"NoHost", "http:///api/inngest", "invalid_url", `url: "http:///api/inngest" has no host`},
		{"PortOnly", "http://:3000/api", "invalid_url", "has no host"},
		{"Credentials", "http://user:pw@example.com/api", "invalid_url", "must not hold credentials"},
		{"Unparseable", "http://[::1/api", "invalid_url", "is not a valid URL"},
		{"Unreachable", "http://127.0.0.1:1/api/inngest", "unreachable", "devserver: syncing http://127.0.0.1:1/api/inngest"},
		{"UnreachableWithoutScheme", "127.0.0.1:1/api/inngest", "unreachable", "syncing http://127.0.0.1:1/api/inngest"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			body, err := json.Marshal(map[string]string{"url": tc.url})
			require.NoError(t, err)
			status, out := postJSON(t, srv.URL()+"/v0/apps", string(body))
			require.Equal(t, 400, status, out)
			require.Equal(t, tc.code, out["error_code"], out)
			require.Contains(t, out["error"], tc.want)
		})
	}
}
