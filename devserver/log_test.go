package devserver_test

import (
	"encoding/json"
	"io"
	"log/slog"
)

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func jsonMarshal(v any) ([]byte, error) { return json.Marshal(v) }
