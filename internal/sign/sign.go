// Package sign implements request signing and verification (§4.1.3) and
// the hashed signing key used as a bearer token (§4.1.4).
package sign

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Window is how far a signature's timestamp may be from now, either way.
const Window = 5 * time.Minute

// Errors returned by Verify. None of them includes a key or a signature.
var (
	ErrMissing   = errors.New("missing X-Inngest-Signature header")
	ErrMalformed = errors.New("malformed X-Inngest-Signature header")
	ErrExpired   = errors.New("signature timestamp outside the allowed window")
	ErrMismatch  = errors.New("signature does not match")
	ErrNoKey     = errors.New("no signing key configured")
)

// StripPrefix removes a "signkey-<env>-" prefix from a signing key.
func StripPrefix(key string) string {
	if !strings.HasPrefix(key, "signkey-") {
		return key
	}
	rest := key[len("signkey-"):]
	if i := strings.IndexByte(rest, '-'); i >= 0 {
		return rest[i+1:]
	}
	return key
}

func prefixOf(key string) string {
	if !strings.HasPrefix(key, "signkey-") {
		return ""
	}
	rest := key[len("signkey-"):]
	if i := strings.IndexByte(rest, '-'); i >= 0 {
		return key[:len("signkey-")+i+1]
	}
	return ""
}

// Sum returns hex(HMAC-SHA256(key without prefix, body ‖ decimal ts)).
func Sum(key string, body []byte, ts int64) string {
	mac := hmac.New(sha256.New, []byte(StripPrefix(key)))
	mac.Write(body)
	mac.Write(strconv.AppendInt(nil, ts, 10))
	return hex.EncodeToString(mac.Sum(nil))
}

// Header returns an X-Inngest-Signature value for body signed at t.
func Header(key string, body []byte, t time.Time) string {
	ts := t.Unix()
	return "t=" + strconv.FormatInt(ts, 10) + "&s=" + Sum(key, body, ts)
}

// Parse splits a signature header into its timestamp and hex signature.
func Parse(header string) (int64, string, error) {
	if header == "" {
		return 0, "", ErrMissing
	}
	if len(header) > 512 {
		return 0, "", ErrMalformed
	}
	v, err := url.ParseQuery(header)
	if err != nil {
		return 0, "", ErrMalformed
	}
	ts, err := strconv.ParseInt(v.Get("t"), 10, 64)
	if err != nil || ts <= 0 {
		return 0, "", ErrMalformed
	}
	s := v.Get("s")
	if len(s) != sha256.Size*2 {
		return 0, "", ErrMalformed
	}
	if _, err := hex.DecodeString(s); err != nil {
		return 0, "", ErrMalformed
	}
	return ts, s, nil
}

// Verify checks header against body with each non-empty key in turn (the
// signing key, then the fallback), in constant time, and bounds the
// timestamp to Window around now in both directions.
func Verify(header string, body []byte, now time.Time, keys ...string) error {
	_, err := VerifyKey(header, body, now, keys...)
	return err
}

// VerifyKey is Verify that also returns the key that matched, with which
// an answer to the request is signed.
func VerifyKey(header string, body []byte, now time.Time, keys ...string) (string, error) {
	ts, s, err := Parse(header)
	if err != nil {
		return "", err
	}
	d := now.Sub(time.Unix(ts, 0))
	if d > Window || d < -Window {
		return "", ErrExpired
	}
	tried := false
	for _, k := range keys {
		if k == "" {
			continue
		}
		tried = true
		if subtle.ConstantTimeCompare([]byte(Sum(k, body, ts)), []byte(s)) == 1 {
			return k, nil
		}
	}
	if !tried {
		return "", ErrNoKey
	}
	return "", ErrMismatch
}

// HashedKey returns the bearer token form of a signing key: its prefix
// followed by hex(SHA-256(hex-decoded key)). A key that is not hex after
// its prefix, or is only a prefix, is an error: an empty key would sign
// with an HMAC key anyone knows.
func HashedKey(key string) (string, error) {
	if key == "" {
		return "", ErrNoKey
	}
	raw := StripPrefix(key)
	if raw == "" {
		return "", fmt.Errorf("signing key is empty after its prefix")
	}
	b, err := hex.DecodeString(raw)
	if err != nil {
		return "", fmt.Errorf("signing key is not hex-encoded")
	}
	sum := sha256.Sum256(b)
	return prefixOf(key) + hex.EncodeToString(sum[:]), nil
}

// HashEventKey returns hex(SHA-256(key)), used in introspection bodies.
func HashEventKey(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])
}
