package ui

import (
	"bytes"
	"encoding/json"
	"html/template"
	"strings"
	"time"

	"github.com/durablefn/inngest/devserver"
)

// pageNames lists the page templates; each is parsed with layout.html.
var pageNames = []string{"runs", "run", "events", "apps", "error"}

// parsePages parses every page with the layout. The templates are
// embedded, so a parse error is a defect of the build, found by any test.
func parsePages(funcs template.FuncMap) map[string]*template.Template {
	out := make(map[string]*template.Template, len(pageNames))
	for _, name := range pageNames {
		out[name] = template.Must(template.New(name).Funcs(funcs).
			ParseFS(templateFS, "templates/layout.html", "templates/"+name+".html"))
	}
	return out
}

func (h *Handler) funcs() template.FuncMap {
	return template.FuncMap{
		"url":    h.url,
		"pretty": prettyJSON,
		"when":   func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05.000") },
		"iso":    func(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) },
		"dur":    formatDuration,
		"ago": func(now, t time.Time) string {
			if t.IsZero() {
				return ""
			}
			return formatDuration(now.Sub(t)) + " ago"
		},
		"runDur": func(now time.Time, r *devserver.Run) string {
			end := r.EndedAt
			if end.IsZero() {
				end = now
			}
			return formatDuration(end.Sub(r.StartedAt))
		},
		"lower": func(s devserver.RunStatus) string { return strings.ToLower(string(s)) },
	}
}

// formatDuration rounds a duration for reading: milliseconds under a
// minute, seconds above.
func formatDuration(d time.Duration) string {
	switch {
	case d <= 0:
		return "0s"
	case d < time.Minute:
		return d.Round(time.Millisecond).String()
	default:
		return d.Round(time.Second).String()
	}
}

// prettyJSON indents JSON for reading; what is not JSON is shown as it
// is. The result is text: templates escape it.
func prettyJSON(raw json.RawMessage) string {
	if len(raw) == 0 {
		return ""
	}
	var buf bytes.Buffer
	if err := json.Indent(&buf, raw, "", "  "); err != nil {
		return string(raw)
	}
	return buf.String()
}
