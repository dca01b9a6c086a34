package devserver

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"strconv"
	"strings"

	"github.com/oklog/ulid/v2"
)

// IDs are made as the real server makes them. Run IDs and the internal
// IDs of stored events are ULIDs (26 characters, Crockford base32): the
// official Go SDK parses ctx.run_id as one and refuses a call with any
// other form. A function's ID in a call request (ctx.fn_id) is a UUID; its
// composite slug travels in the fnId query parameter.

// newID returns a new ULID: the time of the wall clock and random entropy,
// monotonic within the process.
func newID() string { return ulid.Make().String() }

// isULID reports whether id parses as a ULID, as the real server's API
// requires of run and event IDs in its paths.
func isULID(id string) bool {
	_, err := ulid.ParseStrict(id)
	return err == nil
}

// headerEventIDSeed lets a sender fix the internal IDs of the events it
// sends, so that sending the same request again yields the same IDs (the
// official SDKs set it). Its value is "<unix millis>,<base64 of 10 bytes>".
const headerEventIDSeed = "X-Inngest-Event-Id-Seed"

// idSeed is a parsed headerEventIDSeed.
type idSeed struct {
	millis  uint64
	entropy [10]byte
}

// parseIDSeed reads a headerEventIDSeed value; it returns nil for an
// absent or malformed one, which the real server ignores as well.
func parseIDSeed(v string) *idSeed {
	ms, ent, ok := strings.Cut(v, ",")
	if !ok {
		return nil
	}
	millis, err := strconv.ParseInt(ms, 10, 64)
	if err != nil || millis <= 0 || uint64(millis) > ulid.MaxTime() {
		return nil
	}
	b, err := base64.StdEncoding.DecodeString(ent)
	if err != nil || len(b) != 10 {
		return nil
	}
	s := &idSeed{millis: uint64(millis)}
	copy(s.entropy[:], b)
	return s
}

// id returns the ID of the index-th event of the request (from 1, as the
// real server counts): the seed's entropy with index added to its last
// four bytes, so that one seed names every event of a batch.
func (s *idSeed) id(index int) string {
	ent := s.entropy
	binary.BigEndian.PutUint32(ent[6:], binary.BigEndian.Uint32(ent[6:])+uint32(index))
	id, err := ulid.New(s.millis, bytes.NewReader(ent[:]))
	if err != nil {
		return newID()
	}
	return id.String()
}
