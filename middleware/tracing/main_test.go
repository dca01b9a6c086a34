package tracing_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package if a run's goroutines outlive its tests.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
