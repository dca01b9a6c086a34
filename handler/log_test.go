package handler_test

import (
	"bytes"
	"log/slog"

	"github.com/durablefn/inngest/internal/logbuf"
)

func discardLogger() *slog.Logger { return slog.New(slog.NewTextHandler(&bytes.Buffer{}, nil)) }

// captureLogger records log lines.
type captureLogger struct{ logbuf.Buffer }

func (c *captureLogger) Logger() *slog.Logger { return slog.New(slog.NewTextHandler(c, nil)) }
