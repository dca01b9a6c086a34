package devserver

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// Error codes of a failed app sync, the real server's (pkg/deploy/deploy.go
// in inngest/inngest), given as "error_code" in the answer to POST /v0/apps.
const (
	syncErrInvalidURL          = "invalid_url"
	syncErrUnsupportedProtocol = "unsupported_protocol"
	syncErrUnreachable         = "unreachable"
	syncErrUnauthorized        = "unauthorized"
	syncErrForbidden           = "forbidden"
	syncErrNotFound            = "url_not_found"
	syncErrInternal            = "internal_server_error"
	syncErrSignature           = "sig_verification_failed"
)

// syncError is why SyncApp could not sync an app, with the server's
// error code for it.
type syncError struct {
	code string
	err  error
}

func (e *syncError) Error() string { return e.err.Error() }
func (e *syncError) Unwrap() error { return e.err }

// appURLOf checks the URL of an app to sync and returns it normalised. As
// the real server does when an app is added by URL (CreateApp in
// pkg/coreapi/graph/resolvers/app_mutations.go), a URL without a scheme
// is taken as http; only http and https are served (its ping refuses the
// rest as unsupported_protocol, pkg/deploy/deploy.go).
func appURLOf(raw string) (string, error) {
	if strings.TrimSpace(raw) == "" {
		return "", &syncError{syncErrInvalidURL, errors.New("url: the app's URL is required")}
	}
	if !strings.Contains(raw, "://") {
		raw = "http://" + raw
	}
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		return "", &syncError{syncErrInvalidURL, fmt.Errorf("url: %q is not a valid URL", raw)}
	case u.Scheme != "http" && u.Scheme != "https":
		return "", &syncError{syncErrUnsupportedProtocol, fmt.Errorf("url: %q: the scheme must be http or https, not %q", raw, u.Scheme)}
	case u.Host == "" || u.Hostname() == "":
		return "", &syncError{syncErrInvalidURL, fmt.Errorf("url: %q has no host", raw)}
	case u.User != nil:
		return "", &syncError{syncErrInvalidURL, fmt.Errorf("url: %q must not hold credentials", u.Redacted())}
	}
	return raw, nil
}

// syncStatusCode is the real server's error code for an app's answer to
// a sync request (GetDeployError, pkg/deploy/deploy.go).
func syncStatusCode(status int) string {
	switch status {
	case http.StatusUnauthorized:
		return syncErrUnauthorized
	case http.StatusForbidden:
		return syncErrForbidden
	case http.StatusNotFound:
		return syncErrNotFound
	case http.StatusInternalServerError:
		return syncErrInternal
	}
	return ""
}

// writeSyncAppError answers a POST /v0/apps that failed. As on the real
// server, where every failure to reach or sync the app is a 400 with an
// error code (Ping, pkg/deploy/deploy.go), none of them is a 5xx: the
// URL, the app's reachability and its answer are the caller's to fix.
func writeSyncAppError(w http.ResponseWriter, err error) {
	body := map[string]any{"error": err.Error(), "status": http.StatusBadRequest}
	var se *syncError
	if errors.As(err, &se) && se.code != "" {
		body["error_code"] = se.code
	}
	writeJSON(w, http.StatusBadRequest, body)
}
