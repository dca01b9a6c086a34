package wire

import (
	"crypto/sha1"
	"encoding/hex"
	"strconv"
)

// HashStepID returns the hex SHA-1 of a step's pre-hash identifier (§5.1.2).
func HashStepID(id string) string {
	sum := sha1.Sum([]byte(id))
	return hex.EncodeToString(sum[:])
}

// IndexedStepID returns the pre-hash identifier of the n-th repeat of a
// user's step ID: "id" for n == 0, "id:n" after.
func IndexedStepID(id string, n int) string {
	if n == 0 {
		return id
	}
	return id + ":" + strconv.Itoa(n)
}

// HashIndexed writes the hex SHA-1 of the n-th repeat of id into dst,
// without allocating for IDs of usual length.
func HashIndexed(dst *[40]byte, id string, n int) {
	var buf [128]byte
	b := append(buf[:0], id...)
	if n > 0 {
		b = append(b, ':')
		b = strconv.AppendInt(b, int64(n), 10)
	}
	sum := sha1.Sum(b)
	hex.Encode(dst[:], sum[:])
}
