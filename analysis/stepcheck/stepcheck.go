package stepcheck

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"path/filepath"
	"strings"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/types/typeutil"
)

// Import paths of the SDK packages the checker knows.
const (
	stepPath    = "github.com/durablefn/inngest/step"
	aiPath      = "github.com/durablefn/inngest/step/ai"
	inngestPath = "github.com/durablefn/inngest"
)

// ignoreDirective, in a comment on the line of a finding or alone on the
// line above it, silences that finding.
const ignoreDirective = "//stepcheck:ignore"

// Analyzer reports misuse of the step package: steps in goroutines,
// nested steps, repeated step IDs, and non-deterministic code outside
// steps. See the package documentation for each rule.
var Analyzer = &analysis.Analyzer{
	Name: "stepcheck",
	Doc: `check that durable step functions replay deterministically

Reports steps called from goroutines or inside another step's callback,
one constant step ID used twice in a single pass of a function, map ranges
that call steps, and time, randomness or fresh IDs read outside steps in a
function handler. A //stepcheck:ignore comment on the line, or alone on
the line above, silences a finding.`,
	URL: "https://pkg.go.dev/github.com/durablefn/inngest/analysis/stepcheck",
	Run: run,
}

func run(pass *analysis.Pass) (any, error) {
	if !importsSteps(pass.Pkg) && !imports(pass.Pkg, inngestPath) {
		return nil, nil
	}
	c := newChecker(pass)
	c.findHandlers()
	c.findCallbacks()
	c.checkSteps()
	c.checkHandlers()
	return nil, nil
}

// importsSteps reports whether pkg calls step functions: it is or imports
// package step or step/ai.
func importsSteps(pkg *types.Package) bool {
	return imports(pkg, stepPath) || imports(pkg, aiPath)
}

func imports(pkg *types.Package, path string) bool {
	if pkg.Path() == path {
		return true
	}
	for _, p := range pkg.Imports() {
		if p.Path() == path {
			return true
		}
	}
	return false
}

// checker holds one package's state across the rules.
type checker struct {
	pass *analysis.Pass
	// decls are the package's function and method declarations, so that
	// calls to them can be followed.
	decls map[*types.Func]*ast.FuncDecl
	// reach memoizes reachesStep; a nil entry means no step is reached
	// (or the search is still under way, which breaks recursion).
	reach map[*types.Func]*witness
	// handlers are the bodies of the package's function handlers, in the
	// order found; handlerLits are those that are function literals.
	handlers    []*ast.BlockStmt
	handlerSeen map[*ast.BlockStmt]bool
	handlerLits map[*ast.FuncLit]bool
	// callbackLits are function literals that reach a step as its
	// callback through a variable, mapped to that step call.
	callbackLits map[*ast.FuncLit]*ast.CallExpr
	// lits maps variables to the function literals assigned to them, for
	// handlers and callbacks passed by variable; built on first use.
	lits map[*types.Var][]*ast.FuncLit
	// ignored holds "file:line" keys silenced by ignoreDirective.
	ignored  map[string]bool
	reported map[string]bool
}

func newChecker(pass *analysis.Pass) *checker {
	c := &checker{
		pass:         pass,
		decls:        make(map[*types.Func]*ast.FuncDecl),
		reach:        make(map[*types.Func]*witness),
		handlerSeen:  make(map[*ast.BlockStmt]bool),
		handlerLits:  make(map[*ast.FuncLit]bool),
		callbackLits: make(map[*ast.FuncLit]*ast.CallExpr),
		ignored:      make(map[string]bool),
		reported:     make(map[string]bool),
	}
	for _, f := range pass.Files {
		for _, d := range f.Decls {
			if fd, ok := d.(*ast.FuncDecl); ok && fd.Body != nil {
				if fn, ok := pass.TypesInfo.Defs[fd.Name].(*types.Func); ok {
					c.decls[fn] = fd
				}
			}
		}
		for _, g := range f.Comments {
			for _, cm := range g.List {
				if strings.HasPrefix(cm.Text, ignoreDirective) {
					p := pass.Fset.Position(cm.Slash)
					c.ignored[lineKey(p.Filename, p.Line)] = true
					if c.onOwnLine(cm) {
						c.ignored[lineKey(p.Filename, p.Line+1)] = true
					}
				}
			}
		}
	}
	return c
}

// onOwnLine reports whether only blanks precede cm on its line.
func (c *checker) onOwnLine(cm *ast.Comment) bool {
	tf := c.pass.Fset.File(cm.Slash)
	if tf == nil {
		return false
	}
	src, err := c.pass.ReadFile(tf.Name())
	if err != nil {
		return false
	}
	line := tf.Line(cm.Slash)
	from, to := tf.Offset(tf.LineStart(line)), tf.Offset(cm.Slash)
	if to > len(src) {
		return false
	}
	return strings.TrimSpace(string(src[from:to])) == ""
}

func lineKey(file string, line int) string { return fmt.Sprintf("%s:%d", file, line) }

// report files a diagnostic at pos unless it is silenced or was filed
// already.
func (c *checker) report(pos token.Pos, format string, args ...any) {
	p := c.pass.Fset.Position(pos)
	key := lineKey(p.Filename, p.Line)
	msg := fmt.Sprintf(format, args...)
	if c.ignored[key] || c.reported[key+msg] {
		return
	}
	c.reported[key+msg] = true
	c.pass.Report(analysis.Diagnostic{Pos: pos, Message: msg})
}

// where names a position briefly, as file.go:12.
func (c *checker) where(pos token.Pos) string {
	p := c.pass.Fset.Position(pos)
	return fmt.Sprintf("%s:%d", filepath.Base(p.Filename), p.Line)
}

// localFunc returns the function or method a call statically targets
// when it is declared in this package, else nil.
func (c *checker) localFunc(call *ast.CallExpr) *types.Func {
	fn := typeutil.StaticCallee(c.pass.TypesInfo, call)
	if fn == nil {
		return nil
	}
	fn = fn.Origin()
	if c.decls[fn] == nil {
		return nil
	}
	return fn
}

// funcRef returns the function or method that e names, as in a method
// value s.handle or a function name, when it is declared in this package.
func (c *checker) funcRef(e ast.Expr) *types.Func {
	var obj types.Object
	switch e := ast.Unparen(e).(type) {
	case *ast.Ident:
		obj = c.pass.TypesInfo.Uses[e]
	case *ast.SelectorExpr:
		if sel := c.pass.TypesInfo.Selections[e]; sel != nil {
			obj = sel.Obj()
		} else {
			obj = c.pass.TypesInfo.Uses[e.Sel]
		}
	case *ast.IndexExpr:
		return c.funcRef(e.X)
	case *ast.IndexListExpr:
		return c.funcRef(e.X)
	}
	fn, ok := obj.(*types.Func)
	if !ok {
		return nil
	}
	fn = fn.Origin()
	if c.decls[fn] == nil {
		return nil
	}
	return fn
}

// isFunc reports whether e has a function type.
func (c *checker) isFunc(e ast.Expr) bool {
	t := c.pass.TypesInfo.TypeOf(e)
	if t == nil {
		return false
	}
	_, ok := t.Underlying().(*types.Signature)
	return ok
}

// witness records how a function reaches a step: the step called and,
// when it is not called directly, the local functions in between.
type witness struct {
	step string // "step.Run"
	pos  token.Pos
	via  []string
}

// reachesStep reports whether calling fn, declared in this package, calls
// a step on the calling goroutine, directly or through other functions of
// this package.
func (c *checker) reachesStep(fn *types.Func) *witness {
	if w, ok := c.reach[fn]; ok {
		return w
	}
	c.reach[fn] = nil
	var found *witness
	ast.Inspect(c.decls[fn].Body, func(n ast.Node) bool {
		if found != nil {
			return false
		}
		switch n := n.(type) {
		case *ast.GoStmt, *ast.FuncLit:
			// Code that runs elsewhere, or later: a literal is usually a
			// handler or callback the function builds, not code it runs.
			return false
		case *ast.CallExpr:
			if s := c.stepFunc(n); s != nil {
				found = &witness{step: stepName(s), pos: n.Pos()}
				return false
			}
			if c.launcher(n) != "" {
				return false
			}
			if callee := c.localFunc(n); callee != nil {
				if w := c.reachesStep(callee); w != nil {
					found = &witness{step: w.step, pos: w.pos, via: append([]string{funcName(callee)}, w.via...)}
					return false
				}
			}
		}
		return true
	})
	c.reach[fn] = found
	return found
}

// describe says which step fn reaches, for a message: "helper, which
// calls step.Run at a.go:12,".
func (c *checker) describe(fn *types.Func, w *witness) string {
	s := fmt.Sprintf("%s, which calls %s at %s", funcName(fn), w.step, c.where(w.pos))
	if len(w.via) > 0 {
		s += " through " + strings.Join(w.via, ", ")
	}
	return s + ","
}

// funcName names a local function or method as its declaration reads:
// helper, or (*T).method.
func funcName(fn *types.Func) string {
	sig, _ := fn.Type().(*types.Signature)
	if sig == nil || sig.Recv() == nil {
		return fn.Name()
	}
	t := sig.Recv().Type()
	ptr := ""
	if p, ok := t.(*types.Pointer); ok {
		t, ptr = p.Elem(), "*"
	}
	name := "?"
	if n, ok := t.(*types.Named); ok {
		name = n.Obj().Name()
	}
	if ptr != "" {
		return fmt.Sprintf("(*%s).%s", name, fn.Name())
	}
	return name + "." + fn.Name()
}
