package sign

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestHashedKeyVector(t *testing.T) {
	// Vector from the SDK spec §4.1.4.
	got, err := HashedKey("signkey-prod-12345678")
	require.NoError(t, err)
	require.Equal(t, "signkey-prod-b2ed992186a5cb19f6668aade821f502c1d00970dfd0e35128d51bac4649916c", got)

	_, err = HashedKey("signkey-prod-nothex")
	require.Error(t, err)
	_, err = HashedKey("")
	require.ErrorIs(t, err, ErrNoKey)
}

func TestVerify(t *testing.T) {
	const key = "signkey-test-0123456789abcdef"
	const fallback = "signkey-test-fedcba9876543210"
	body := []byte(`{"hello":"world"}`)
	now := time.Unix(1_700_000_000, 0)

	tests := []struct {
		name   string
		header string
		keys   []string
		want   error
	}{
		{"valid", Header(key, body, now), []string{key, fallback}, nil},
		{"valid with fallback", Header(fallback, body, now), []string{key, fallback}, nil},
		{"wrong key", Header("signkey-test-00", body, now), []string{key, fallback}, ErrMismatch},
		{"expired", Header(key, body, now.Add(-Window-time.Second)), []string{key}, ErrExpired},
		{"future", Header(key, body, now.Add(Window+time.Second)), []string{key}, ErrExpired},
		{"edge of window", Header(key, body, now.Add(-Window)), []string{key}, nil},
		{"missing", "", []string{key}, ErrMissing},
		{"garbage", "t=abc&s=zz", []string{key}, ErrMalformed},
		{"short sig", "t=1700000000&s=abcd", []string{key}, ErrMalformed},
		{"no keys", Header(key, body, now), []string{"", ""}, ErrNoKey},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Verify(tt.header, body, now, tt.keys...)
			if tt.want == nil {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, tt.want)
		})
	}

	// The key's prefix does not take part in the HMAC.
	require.Equal(t, Sum(key, body, 1), Sum("0123456789abcdef", body, 1))
	// A tampered body fails.
	require.ErrorIs(t, Verify(Header(key, body, now), []byte(`{"hello":"World"}`), now, key), ErrMismatch)
}

func FuzzParse(f *testing.F) {
	f.Add("t=1705586504&s=3f1c811920eb25da7fa70e3ac484e32e93f01dbbca7c9ce2365f2062a3e10c26")
	f.Add("")
	f.Add("t=&s=")
	f.Fuzz(func(t *testing.T, h string) {
		ts, s, err := Parse(h)
		if err == nil && (ts <= 0 || len(s) != 64) {
			t.Fatalf("accepted bad header %q", h)
		}
	})
}
