package wire

import "github.com/google/uuid"

// FunctionUUID returns the stable UUID that stands for a function, whose
// composite ID ("<app id>-<function id>") is compositeID, in ctx.fn_id of
// call requests. The real server sends its internal UUID there, and the
// official Go SDK refuses anything else (400 "invalid UUID length"), so
// devserver and the test engine both send this one.
func FunctionUUID(compositeID string) string {
	return uuid.NewSHA1(uuid.NameSpaceURL, []byte("inngest-function:"+compositeID)).String()
}
