package devserver

import (
	"bytes"
	"fmt"
	"time"

	"github.com/gowebpki/jcs"

	"github.com/durablefn/inngest/internal/sign"
	"github.com/durablefn/inngest/internal/wire"
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

// verifyAnswer checks the signature of an app's answer to a signed request
// (an in-band sync): made with the signing key over the exact bytes, as
// the SDKs sign them, or over the bytes before a final newline, which the
// official Go SDK's encoder adds after signing. Without a signing key
// nothing was signed, and nothing is checked.
func (s *Server) verifyAnswer(header string, body []byte) error {
	if s.cfg.SigningKey == "" {
		return nil
	}
	err := sign.Verify(header, body, time.Now(), s.cfg.SigningKey)
	if err != nil && bytes.HasSuffix(body, []byte("\n")) {
		if sign.Verify(header, bytes.TrimSuffix(body, []byte("\n")), time.Now(), s.cfg.SigningKey) == nil {
			return nil
		}
	}
	if err != nil {
		return fmt.Errorf("the answer's %s does not verify with the signing key: %w", wire.HeaderSignature, err)
	}
	return nil
}
