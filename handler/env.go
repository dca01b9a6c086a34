package handler

import (
	"strconv"
	"strings"
	"time"
)

// Environment variables read by New, as the official SDKs read them.
const (
	envStreaming          = "INNGEST_STREAMING"
	envAllowInBandSync    = "INNGEST_ALLOW_IN_BAND_SYNC"
	envEnableUnauthedSync = "INNGEST_ENABLE_UNAUTHED_SYNC"
)

// applyEnv fills the boolean settings left false from the environment. A
// value that is not a boolean is ignored with a logged error, as New
// cannot fail.
func (h *Handler) applyEnv(getenv func(string) string) {
	if !h.cfg.Streaming {
		// inngest-js still reads the values "allow" and "force" of its
		// earlier versions as true.
		v := strings.ToLower(strings.TrimSpace(getenv(envStreaming)))
		h.cfg.Streaming = v == "allow" || v == "force" || h.envBool(envStreaming, v, false)
	}
	if !h.cfg.DisableInBandSync {
		h.cfg.DisableInBandSync = !h.envBool(envAllowInBandSync, getenv(envAllowInBandSync), true)
	}
	if !h.cfg.EnableUnauthedSync {
		h.cfg.EnableUnauthedSync = h.envBool(envEnableUnauthedSync, getenv(envEnableUnauthedSync), false)
	}
}

// envBool reads a boolean variable: true, 1, false, 0 and the other forms
// strconv.ParseBool knows; def when it is unset or malformed.
func (h *Handler) envBool(name, v string, def bool) bool {
	v = strings.TrimSpace(v)
	if v == "" {
		return def
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		h.log.Error("inngest: "+name+" is not a boolean (true or false); using the default", "value", v, "default", def)
		return def
	}
	return b
}

// tickerEvery is the keep-alive clock of streamed answers.
func tickerEvery(d time.Duration) (<-chan time.Time, func()) {
	t := time.NewTicker(d)
	return t.C, t.Stop
}
