package devserver

import (
	"fmt"
	"time"

	"github.com/gowebpki/jcs"

	"github.com/durablefn/inngest/internal/sign"
)

// signBody returns the bytes to send for a signed request to an app and
// their X-Inngest-Signature, or body unchanged and "" when no signing key
// is set. As on the real server, a signed body is first put into its
// canonical JSON form (RFC 8785) and exactly those bytes are signed and
// sent: the official SDKs canonicalise what they receive before checking
// the signature, this SDK checks the bytes as received, and both agree.
// Signatures carry wall-clock time, which the app compares with its own.
func (s *Server) signBody(body []byte) ([]byte, string, error) {
	if s.cfg.SigningKey == "" {
		return body, "", nil
	}
	canonical, err := jcs.Transform(body)
	if err != nil {
		return nil, "", fmt.Errorf("devserver: canonical JSON for signing: %w", err)
	}
	return canonical, sign.Header(s.cfg.SigningKey, canonical, time.Now()), nil
}
