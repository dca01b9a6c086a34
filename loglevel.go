package inngest

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"strings"
)

// levelSilent is above every level a logger is given.
const levelSilent = slog.Level(math.MaxInt32)

// parseLogLevel reads a ClientConfig.LogLevel (or INNGEST_LOG_LEVEL).
func parseLogLevel(s string) (slog.Level, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "debug", "trace":
		return slog.LevelDebug, nil
	case "info":
		return slog.LevelInfo, nil
	case "warn", "warning":
		return slog.LevelWarn, nil
	case "error", "fatal":
		return slog.LevelError, nil
	case "silent", "off", "none":
		return levelSilent, nil
	}
	return 0, fmt.Errorf("inngest: log level %q is not one of debug, info, warn, error or silent (ClientConfig.LogLevel, INNGEST_LOG_LEVEL)", s)
}

// withLogLevel returns l dropping lines below level; l itself when level
// is "".
func withLogLevel(l *slog.Logger, level string) (*slog.Logger, error) {
	if level == "" {
		return l, nil
	}
	min, err := parseLogLevel(level)
	if err != nil {
		return l, err
	}
	return slog.New(&levelHandler{min: min, inner: l.Handler()}), nil
}

// levelHandler passes on the lines at or above min.
type levelHandler struct {
	min   slog.Level
	inner slog.Handler
}

func (h *levelHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= h.min && h.inner.Enabled(ctx, l)
}

func (h *levelHandler) Handle(ctx context.Context, r slog.Record) error {
	if r.Level < h.min {
		return nil
	}
	return h.inner.Handle(ctx, r)
}

func (h *levelHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return &levelHandler{min: h.min, inner: h.inner.WithAttrs(as)}
}

func (h *levelHandler) WithGroup(name string) slog.Handler {
	return &levelHandler{min: h.min, inner: h.inner.WithGroup(name)}
}
