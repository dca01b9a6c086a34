package devserver

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"

	"github.com/durablefn/inngest/internal/wire"
)

// ProbeTrust checks that the app at appURL holds this server's signing
// key, with the trust probe the SDKs answer (capability trust_probe v1):
// a signed POST to appURL with probe=trust must be answered 2xx with an
// X-Inngest-Signature over the answer's bytes made with that key. So an
// app whose key differs, or that does not verify requests, is found out
// before any run fails. Without a signing key there is nothing to check:
// ProbeTrust fails saying so. Apps added with AddApp are probed in
// process.
func (s *Server) ProbeTrust(ctx context.Context, appURL string) error {
	if s.cfg.SigningKey == "" {
		return errors.New("devserver: a trust probe needs Config.SigningKey")
	}
	u, err := appURLOf(appURL)
	if err != nil {
		return fmt.Errorf("devserver: probing %s: %w", appURL, err)
	}
	pu, err := url.Parse(u)
	if err != nil {
		return fmt.Errorf("devserver: probing %s: %w", appURL, err)
	}
	q := pu.Query()
	q.Set("probe", wire.ProbeTrust)
	pu.RawQuery = q.Encode()
	body, sig, err := s.signBody([]byte(`{}`))
	if err != nil {
		return fmt.Errorf("devserver: probing %s: %w", u, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, pu.String(), bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("devserver: probing %s: %w", u, err)
	}
	req.Header.Set(wire.HeaderContentType, "application/json")
	req.Header.Set(wire.HeaderServerKind, wire.ServerKindDev)
	req.Header.Set(wire.HeaderSignature, sig)
	resp, err := s.client.Do(req)
	if err != nil {
		return fmt.Errorf("devserver: probing %s: %w", u, unwrapURLError(err))
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return fmt.Errorf("devserver: probing %s: reading the answer: %w", u, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("devserver: probing %s: the app answered HTTP %d; it may hold another signing key", u, resp.StatusCode)
	}
	if err := s.verifyAnswer(resp.Header.Get(wire.HeaderSignature), raw); err != nil {
		return fmt.Errorf("devserver: probing %s: %w", u, err)
	}
	return nil
}
