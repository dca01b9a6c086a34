package inngest

import (
	"context"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestLoggerOutsideRun(t *testing.T) {
	require.Same(t, slog.Default(), Logger(context.Background()))
}
