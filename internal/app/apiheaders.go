package app

import (
	"fmt"
	"net/http"

	"github.com/durablefn/inngest/internal/sign"
	"github.com/durablefn/inngest/internal/wire"
)

// SetAPIHeaders sets what every request from the SDK to the server's API
// carries: the SDK and user-agent headers, the environment, and the
// signing key's hashed form as the bearer token (none for an empty key).
func (c *Config) SetAPIHeaders(req *http.Request, key string) error {
	req.Header.Set(wire.HeaderSDK, wire.SDKHeader)
	req.Header.Set(wire.HeaderUserAgent, wire.SDKHeader)
	if c.Env != "" {
		req.Header.Set(wire.HeaderEnv, c.Env)
	}
	if key == "" {
		return nil
	}
	token, err := sign.HashedKey(key)
	if err != nil {
		return fmt.Errorf("signing key is malformed: %w", err)
	}
	req.Header.Set(wire.HeaderAuthorization, "Bearer "+token)
	return nil
}
