package inngesttest_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain checks that no run leaves a goroutine behind: every function
// goroutine the SDK starts for a call request must end with the call.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
