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
