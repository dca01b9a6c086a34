package main_test

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/stretchr/testify/require"
)

// The fixtures of package stepcheck form a GOPATH tree: one package per
// rule, each with findings, and one with none.
var fixtures = filepath.Join("..", "..", "analysis", "stepcheck", "testdata")

// build compiles the command once for the test.
func build(t *testing.T) (bin string, env []string) {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command on PATH")
	}
	bin = filepath.Join(t.TempDir(), "inngest-vet")
	out, err := exec.Command(goTool, "build", "-o", bin, ".").CombinedOutput()
	require.NoError(t, err, "%s", out)
	gopath, err := filepath.Abs(fixtures)
	require.NoError(t, err)
	return bin, append(os.Environ(), "GOPATH="+gopath, "GO111MODULE=off", "GOFLAGS=")
}

func run(t *testing.T, env []string, name string, args ...string) (code int, out string) {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Env = env
	cmd.Dir = fixtures
	b, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return exit.ExitCode(), string(b)
	}
	require.NoError(t, err, "%s", b)
	return 0, string(b)
}

var finding = regexp.MustCompile(`(?m)^\S+\.go:\d+:\d+: `)

// Run directly, the command exits 3 when it finds something, printing
// each finding as file:line:column, and 0 when it does not.
func TestExitStatus(t *testing.T) {
	bin, env := build(t)
	for _, pkg := range []string{"goroutines", "nesting", "ids", "determinism", "maprange"} {
		t.Run(pkg, func(t *testing.T) {
			code, out := run(t, env, bin, "rules/"+pkg)
			require.Equal(t, 3, code, "%s", out)
			require.Regexp(t, finding, out)
		})
	}
	t.Run("clean", func(t *testing.T) {
		code, out := run(t, env, bin, "rules/clean")
		require.Equal(t, 0, code, "%s", out)
		require.Empty(t, out)
	})
}

// As a vet tool, go vet exits 1 on findings and 0 without.
func TestVetTool(t *testing.T) {
	bin, env := build(t)
	code, out := run(t, env, "go", "vet", "-vettool="+bin, "rules/nesting")
	require.Equal(t, 1, code, "%s", out)
	require.Contains(t, out, `nesting.go:18:`)
	require.Contains(t, out, `step.Run inside the callback of step.Run "outer"`)

	code, out = run(t, env, "go", "vet", "-vettool="+bin, "rules/clean")
	require.Equal(t, 0, code, "%s", out)
}
