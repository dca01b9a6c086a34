package devserver

import (
	"encoding/json"
	"time"
)

type pauseKind uint8

const (
	pauseWait pauseKind = iota
	pauseCancel
)

// pause is a run waiting for an event: a WaitForEvent step or a cancelOn
// rule. Pauses are filed by event name and, when the expression allows,
// by the value of one field, so an event only meets the pauses that can
// match it.
type pause struct {
	kind    pauseKind
	run     *run
	stepID  string
	name    string
	event   string
	expr    *expr
	ixPath  string
	ixValue string
	started time.Time
	timer   *timer
	filed   bool
}

// filePause indexes p. Called with s.mu held.
func (s *Server) filePause(r *run, p *pause) {
	if p.expr != nil && p.expr.Index() != nil {
		if v, ok := p.expr.Index().OtherValue(decodeMap(r.events[0])); ok {
			p.ixPath, p.ixValue = p.expr.Index().PathKey(), v
		}
	}
	p.filed = true
	s.st.addPause(p)
}

// dropPause removes p from the index. Called with s.mu held.
func (s *Server) dropPause(p *pause) {
	if !p.filed {
		return
	}
	p.filed = false
	s.st.removePause(p)
}

// matches evaluates p's expression against an incoming event.
func (p *pause) matches(s *Server, async map[string]any) bool {
	if p.expr == nil {
		return true
	}
	return p.expr.Match(decodeMap(p.run.events[0]), async)
}

// decodeMap decodes a JSON object; anything else gives nil.
func decodeMap(raw json.RawMessage) map[string]any {
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil
	}
	return m
}
