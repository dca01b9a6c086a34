package ui_test

import (
	"math"
	"os"
	"regexp"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"
)

// luminance is a colour's relative luminance, as WCAG 2 defines it.
func luminance(hex string) float64 {
	var c [3]float64
	for i := range c {
		v, _ := strconv.ParseUint(hex[1+2*i:3+2*i], 16, 8)
		s := float64(v) / 255
		if s <= 0.03928 {
			c[i] = s / 12.92
		} else {
			c[i] = math.Pow((s+0.055)/1.055, 2.4)
		}
	}
	return 0.2126*c[0] + 0.7152*c[1] + 0.0722*c[2]
}

func contrast(a, b string) float64 {
	la, lb := luminance(a), luminance(b)
	return (max(la, lb) + 0.05) / (min(la, lb) + 0.05)
}

// TestColoursPassWCAGAA checks the stylesheet's colour pairs: text 4.5:1
// (AA), bars, borders of controls and focus rings 3:1 (non-text contrast).
func TestColoursPassWCAGAA(t *testing.T) {
	css, err := os.ReadFile("static/ui.css")
	require.NoError(t, err)
	vars := map[string]string{}
	for _, m := range regexp.MustCompile(`--([a-z-]+):\s*(#[0-9a-f]{6});`).FindAllStringSubmatch(string(css), -1) {
		vars[m[1]] = m[2]
	}
	text := [][2]string{
		{"fg", "bg"}, {"fg", "panel"}, {"muted", "bg"}, {"muted", "panel"}, {"accent", "bg"}, {"accent", "panel"},
		{"ok-fg", "ok-bg"}, {"bad-fg", "bad-bg"}, {"bad-fg", "bg"}, {"warn-fg", "bg"}, {"run-fg", "run-bg"},
		{"gray-fg", "gray-bg"}, {"fg", "gray-bg"}, {"ok-fg", "panel"},
	}
	graphics := [][2]string{
		{"border", "bg"}, {"focus", "bg"}, {"bar-run", "panel"}, {"bar-step", "panel"}, {"bar-retry", "panel"},
		{"bar-failed", "panel"}, {"bar-sleep", "panel"}, {"bar-wait", "panel"}, {"bar-invoke", "panel"}, {"bar-end", "panel"},
	}
	check := func(pairs [][2]string, least float64) {
		for _, p := range pairs {
			fg, bg := vars[p[0]], vars[p[1]]
			require.NotEmpty(t, fg, p[0])
			require.NotEmpty(t, bg, p[1])
			require.GreaterOrEqual(t, contrast(fg, bg), least, "%s on %s", p[0], p[1])
		}
	}
	check(text, 4.5)
	check(graphics, 3)
	require.InDelta(t, 21, contrast("#000000", "#ffffff"), 0.01, "the formula itself")
}
