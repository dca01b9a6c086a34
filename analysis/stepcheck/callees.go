package stepcheck

import (
	"go/ast"
	"go/constant"
	"go/token"
	"go/types"
	"strings"

	"golang.org/x/tools/go/types/typeutil"
)

// stepFunc returns the step function a call targets (step.Run,
// step.Parallel, ai.Infer, ...), or nil when it is not a step call.
func (c *checker) stepFunc(call *ast.CallExpr) *types.Func {
	fn, ok := typeutil.Callee(c.pass.TypesInfo, call).(*types.Func)
	if !ok || fn.Pkg() == nil || !fn.Exported() {
		return nil
	}
	switch fn.Pkg().Path() {
	case stepPath:
	case aiPath:
		// The package's other functions build models and messages.
		if fn.Name() != "Infer" && fn.Name() != "Wrap" {
			return nil
		}
	default:
		return nil
	}
	if sig, ok := fn.Type().(*types.Signature); !ok || sig.Recv() != nil {
		return nil
	}
	return fn
}

func stepName(fn *types.Func) string { return fn.Pkg().Name() + "." + fn.Name() }

// isParallel reports whether a step function runs its function arguments
// as parallel branches of the handler (step.Parallel, step.Parallel2,
// step.Race, and step.Go's branches of a step.Group) rather than as a
// step's callback.
func isParallel(fn *types.Func) bool {
	return strings.HasPrefix(fn.Name(), "Parallel") || fn.Name() == "Race" || fn.Name() == "Go"
}

// stepID returns the constant step ID of a step call, if it has one.
func (c *checker) stepID(fn *types.Func, call *ast.CallExpr) (string, bool) {
	if isParallel(fn) || len(call.Args) < 2 {
		return "", false
	}
	sig := fn.Type().(*types.Signature)
	if sig.Params().Len() < 2 {
		return "", false
	}
	if b, ok := sig.Params().At(1).Type().Underlying().(*types.Basic); !ok || b.Kind() != types.String {
		return "", false
	}
	tv, ok := c.pass.TypesInfo.Types[call.Args[1]]
	if !ok || tv.Value == nil || tv.Value.Kind() != constant.String {
		return "", false
	}
	return constant.StringVal(tv.Value), true
}

// stepLabel names a step call for a message: step.Run "charge", or
// step.Run when its ID is not a constant.
func (c *checker) stepLabel(fn *types.Func, call *ast.CallExpr) string {
	if id, ok := c.stepID(fn, call); ok {
		return stepName(fn) + ` "` + id + `"`
	}
	return stepName(fn)
}

// concIter are the functions and methods of conc's iter package that call
// their function argument from several goroutines.
var concIter = map[string]bool{"ForEach": true, "ForEachIdx": true, "Map": true, "MapErr": true}

// launcher names the call when it runs its function arguments on another
// goroutine ("errgroup.Group.Go"), else it returns "".
func (c *checker) launcher(call *ast.CallExpr) string {
	fn, ok := typeutil.Callee(c.pass.TypesInfo, call).(*types.Func)
	if !ok || fn.Pkg() == nil {
		return ""
	}
	path, name := fn.Pkg().Path(), fn.Name()
	sig, _ := fn.Type().(*types.Signature)
	if sig == nil || sig.Recv() == nil {
		switch {
		case path == "time" && name == "AfterFunc":
			return "time.AfterFunc"
		case path == "github.com/sourcegraph/conc/iter" && concIter[name]:
			return "iter." + name
		}
		return ""
	}
	recv := sig.Recv().Type()
	if p, ok := recv.(*types.Pointer); ok {
		recv = p.Elem()
	}
	named, ok := recv.(*types.Named)
	if !ok {
		return ""
	}
	typ := named.Obj().Name()
	label := fn.Pkg().Name() + "." + typ + "." + name
	switch {
	case path == "golang.org/x/sync/errgroup" && typ == "Group" && (name == "Go" || name == "TryGo"):
		return label
	case path == "sync" && typ == "WaitGroup" && name == "Go":
		return label
	case path == "github.com/sourcegraph/conc/iter" && concIter[name]:
		return label
	case (path == "github.com/sourcegraph/conc" || strings.HasPrefix(path, "github.com/sourcegraph/conc/")) && name == "Go":
		return label
	}
	return ""
}

// Constructors of math/rand and math/rand/v2 that return a generator
// seeded by their arguments: deterministic, unlike the package functions
// that draw from the global source.
var seededRand = map[string]bool{"New": true, "NewSource": true, "NewZipf": true, "NewPCG": true, "NewChaCha8": true}

// nondeterministic says how obj, a package-level function or variable,
// changes from one call of a function to the next: "time", "random" or
// "ID". It returns "" for anything else.
func nondeterministic(obj types.Object) string {
	if obj == nil || obj.Pkg() == nil || obj.Parent() != obj.Pkg().Scope() {
		return ""
	}
	name := obj.Name()
	if _, isFunc := obj.(*types.Func); !isFunc {
		if _, isVar := obj.(*types.Var); !isVar || obj.Pkg().Path() != "crypto/rand" {
			return ""
		}
	}
	switch obj.Pkg().Path() {
	case "time":
		if name == "Now" || name == "Since" || name == "Until" {
			return "time"
		}
	case "math/rand", "math/rand/v2":
		if !seededRand[name] {
			return "random"
		}
	case "crypto/rand":
		return "random"
	case "github.com/google/uuid":
		if strings.HasPrefix(name, "New") && name != "NewSHA1" && name != "NewMD5" && name != "NewHash" {
			return "ID"
		}
	case "github.com/gofrs/uuid", "github.com/gofrs/uuid/v5":
		if name == "NewV1" || name == "NewV4" || name == "NewV6" || name == "NewV7" {
			return "ID"
		}
	case "github.com/oklog/ulid", "github.com/oklog/ulid/v2":
		if name == "Make" || name == "Now" {
			return "ID"
		}
	case "github.com/rs/xid":
		if name == "New" {
			return "ID"
		}
	case "github.com/segmentio/ksuid":
		if name == "New" || name == "NewRandom" || name == "NewRandomWithTime" {
			return "ID"
		}
	}
	return ""
}

// qualified names a package-level object for a message: time.Now,
// math/rand.Intn, uuid.New.
func qualified(obj types.Object) string {
	path := obj.Pkg().Path()
	if !strings.Contains(strings.SplitN(path, "/", 2)[0], ".") {
		return path + "." + obj.Name()
	}
	return obj.Pkg().Name() + "." + obj.Name()
}

// randomOrder reports whether a range statement visits its elements in an
// order that changes from run to run: a map, or an iterator or key list
// from the maps packages.
func (c *checker) randomOrder(r *ast.RangeStmt) bool {
	t := c.pass.TypesInfo.TypeOf(r.X)
	if t == nil {
		return false
	}
	if _, ok := t.Underlying().(*types.Map); ok {
		return true
	}
	call, ok := ast.Unparen(r.X).(*ast.CallExpr)
	if !ok {
		return false
	}
	fn, ok := typeutil.Callee(c.pass.TypesInfo, call).(*types.Func)
	if !ok || fn.Pkg() == nil {
		return false
	}
	switch fn.Pkg().Path() {
	case "maps", "golang.org/x/exp/maps":
		return fn.Name() == "Keys" || fn.Name() == "Values" || fn.Name() == "All"
	}
	return false
}

// terminates reports whether s never falls through to the statement after
// it: it returns, branches away, panics or exits.
func (c *checker) terminates(s ast.Stmt) bool {
	switch s := s.(type) {
	case *ast.ReturnStmt:
		return true
	case *ast.BranchStmt:
		return s.Tok != token.FALLTHROUGH
	case *ast.BlockStmt:
		return c.endsList(s.List)
	case *ast.LabeledStmt:
		return c.terminates(s.Stmt)
	case *ast.IfStmt:
		return s.Else != nil && c.terminates(s.Body) && c.terminates(s.Else)
	case *ast.ExprStmt:
		call, ok := ast.Unparen(s.X).(*ast.CallExpr)
		if !ok {
			return false
		}
		switch fn := typeutil.Callee(c.pass.TypesInfo, call).(type) {
		case *types.Builtin:
			return fn.Name() == "panic"
		case *types.Func:
			if fn.Pkg() == nil {
				return false
			}
			switch fn.Pkg().Path() + "." + fn.Name() {
			case "os.Exit", "runtime.Goexit", "log.Fatal", "log.Fatalf", "log.Fatalln", "log.Panic", "log.Panicf", "log.Panicln":
				return true
			}
		}
	}
	return false
}

// endsList reports whether a statement list never falls off its end.
func (c *checker) endsList(list []ast.Stmt) bool {
	for i := len(list) - 1; i >= 0; i-- {
		if _, empty := list[i].(*ast.EmptyStmt); empty {
			continue
		}
		return c.terminates(list[i])
	}
	return false
}
