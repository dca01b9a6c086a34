package stepcheck_test

import (
	"go/types"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/tools/go/packages"
)

const (
	inngestPath = "github.com/durablefn/inngest"
	stepPath    = "github.com/durablefn/inngest/step"
	aiPath      = "github.com/durablefn/inngest/step/ai"
)

// The fixtures import stubs of the SDK's packages under testdata/src.
// They must keep the real signatures, or the tests would check the
// analyzer against an API users do not have: every exported function of
// the real step package, and the root package's declarations the analyzer
// reads, must read the same in the stubs.
func TestStubsMatchTheSDK(t *testing.T) {
	real := load(t, &packages.Config{Dir: filepath.Join("..", "..")})
	gopath, err := filepath.Abs("testdata")
	require.NoError(t, err)
	stub := load(t, &packages.Config{
		Dir: filepath.Join(gopath, "src"),
		Env: append(os.Environ(), "GOPATH="+gopath, "GO111MODULE=off", "GOFLAGS="),
	})

	steps := 0
	for _, name := range real[stepPath].Scope().Names() {
		if fn, ok := real[stepPath].Scope().Lookup(name).(*types.Func); ok && fn.Exported() {
			steps++
			require.Equal(t, describe(real[stepPath], name), describe(stub[stepPath], name), "step.%s", name)
		}
	}
	require.GreaterOrEqual(t, steps, 9, "step.Run, Sleep, SleepUntil, WaitForEvent, SendEvent, Invoke, InvokeByID, Parallel, Parallel2")

	for _, name := range []string{"Infer", "Wrap", "Model"} {
		require.Equal(t, describe(real[aiPath], name), describe(stub[aiPath], name), "ai.%s", name)
	}
	for _, name := range []string{"CreateFunction", "HandlerFunc", "EventType"} {
		require.Equal(t, describe(real[inngestPath], name), describe(stub[inngestPath], name), "inngest.%s", name)
	}
	field := func(pkg *types.Package, typ, name string) string {
		obj, _, _ := types.LookupFieldOrMethod(pkg.Scope().Lookup(typ).Type(), false, pkg, name)
		require.NotNil(t, obj, "%s.%s", typ, name)
		return types.TypeString(obj.Type(), qualifier)
	}
	require.Equal(t, field(real[inngestPath], "FunctionOpts", "OnFailure"), field(stub[inngestPath], "FunctionOpts", "OnFailure"))
	require.Equal(t, field(real[inngestPath], "FailureInput", "Input"), field(stub[inngestPath], "FailureInput", "Input"))
	require.Equal(t, field(real[inngestPath], "Input", "Event"), field(stub[inngestPath], "Input", "Event"))
}

func load(t *testing.T, cfg *packages.Config) map[string]*types.Package {
	t.Helper()
	cfg.Mode = packages.NeedName | packages.NeedTypes
	pkgs, err := packages.Load(cfg, inngestPath, stepPath, aiPath)
	require.NoError(t, err)
	m := make(map[string]*types.Package)
	for _, p := range pkgs {
		require.Empty(t, p.Errors, "loading %s", p.PkgPath)
		m[p.PkgPath] = p.Types
	}
	require.Len(t, m, 3)
	return m
}

func qualifier(p *types.Package) string { return p.Path() }

// describe renders a package-level declaration with full import paths:
// a function's signature, or a type's parameters and definition.
func describe(pkg *types.Package, name string) string {
	obj := pkg.Scope().Lookup(name)
	if obj == nil {
		return "missing"
	}
	tn, ok := obj.(*types.TypeName)
	if !ok {
		return types.TypeString(obj.Type(), qualifier)
	}
	named := tn.Type().(*types.Named)
	s := "type " + name
	for i := 0; i < named.TypeParams().Len(); i++ {
		p := named.TypeParams().At(i)
		s += " " + p.Obj().Name() + " " + types.TypeString(p.Constraint(), qualifier)
	}
	return s + " " + types.TypeString(named.Underlying(), qualifier)
}
