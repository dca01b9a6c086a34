package stepcheck

import (
	"go/ast"
	"go/types"
	"strings"
)

// findHandlers collects the package's function handlers: what is passed
// as an inngest.HandlerFunc (to inngest.CreateFunction or any function
// taking one) or as FunctionOpts.OnFailure, and every function whose
// parameters are those of a handler, (context.Context, inngest.Input[T])
// or (context.Context, inngest.FailureInput).
func (c *checker) findHandlers() {
	if !imports(c.pass.Pkg, inngestPath) {
		return
	}
	info := c.pass.TypesInfo
	for _, f := range c.pass.Files {
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.FuncDecl:
				if fn, ok := info.Defs[n.Name].(*types.Func); ok && n.Body != nil && handlerShaped(fn.Type()) {
					c.addHandler(n.Body)
				}
			case *ast.FuncLit:
				if handlerShaped(info.TypeOf(n)) {
					c.handlerLits[n] = true
					c.addHandler(n.Body)
				}
			case *ast.CallExpr:
				c.handlerArgs(n, c.handler)
			case *ast.CompositeLit:
				if isFunctionOpts(info.TypeOf(n)) {
					for _, e := range n.Elts {
						if kv, ok := e.(*ast.KeyValueExpr); ok {
							if k, ok := kv.Key.(*ast.Ident); ok && k.Name == "OnFailure" {
								c.handler(kv.Value)
							}
						}
					}
				}
			case *ast.AssignStmt:
				if len(n.Lhs) != len(n.Rhs) {
					break
				}
				for i, lhs := range n.Lhs {
					if sel, ok := lhs.(*ast.SelectorExpr); ok && sel.Sel.Name == "OnFailure" && isFunctionOpts(info.TypeOf(sel.X)) {
						c.handler(n.Rhs[i])
					}
					if isHandlerFunc(info.TypeOf(lhs)) {
						c.handler(n.Rhs[i])
					}
				}
			case *ast.ValueSpec:
				for i, name := range n.Names {
					if obj := info.Defs[name]; obj != nil && i < len(n.Values) && isHandlerFunc(obj.Type()) {
						c.handler(n.Values[i])
					}
				}
			}
			return true
		})
	}
}

func (c *checker) addHandler(body *ast.BlockStmt) {
	if !c.handlerSeen[body] {
		c.handlerSeen[body] = true
		c.handlers = append(c.handlers, body)
	}
}

// handlerShaped reports whether t is a function type whose parameters are
// those of a handler.
func handlerShaped(t types.Type) bool {
	if t == nil {
		return false
	}
	sig, ok := t.Underlying().(*types.Signature)
	if !ok || sig.Params().Len() != 2 {
		return false
	}
	ctx, ok := types.Unalias(sig.Params().At(0).Type()).(*types.Named)
	if !ok || ctx.Obj().Name() != "Context" || ctx.Obj().Pkg() == nil || ctx.Obj().Pkg().Path() != "context" {
		return false
	}
	in := sig.Params().At(1).Type()
	return isInngestType(in, "Input") || isInngestType(in, "FailureInput")
}

// checkHandlers reports, in the code the package's handlers run outside
// steps, values that change from one call to the next.
func (c *checker) checkHandlers() {
	d := &detWalker{c: c, seen: make(map[ast.Node]bool)}
	for _, body := range c.handlers {
		d.walk(body, nil)
	}
}

// handlerArgs calls visit with each argument of call that is passed as a
// handler: to inngest.CreateFunction, to a conversion to
// inngest.HandlerFunc, or to any function taking one.
func (c *checker) handlerArgs(call *ast.CallExpr, visit func(ast.Expr)) {
	if tv, ok := c.pass.TypesInfo.Types[call.Fun]; ok && tv.IsType() {
		if isHandlerFunc(tv.Type) && len(call.Args) == 1 {
			visit(call.Args[0])
		}
		return
	}
	sig, ok := c.pass.TypesInfo.TypeOf(call.Fun).(*types.Signature)
	if !ok {
		return
	}
	params := sig.Params()
	for i, arg := range call.Args {
		var t types.Type
		switch {
		case sig.Variadic() && i >= params.Len()-1:
			if call.Ellipsis.IsValid() {
				continue
			}
			t = params.At(params.Len() - 1).Type().(*types.Slice).Elem()
		case i < params.Len():
			t = params.At(i).Type()
		default:
			continue
		}
		if isHandlerFunc(t) {
			visit(arg)
		}
	}
}

// isHandlerFunc reports whether t is inngest.HandlerFunc[T, R].
func isHandlerFunc(t types.Type) bool { return isInngestType(t, "HandlerFunc") }

// isFunctionOpts reports whether t is inngest.FunctionOpts or a pointer to
// it.
func isFunctionOpts(t types.Type) bool {
	if p, ok := t.(*types.Pointer); ok {
		t = p.Elem()
	}
	return isInngestType(t, "FunctionOpts")
}

func isInngestType(t types.Type, name string) bool {
	if t == nil {
		return false
	}
	n, ok := types.Unalias(t).(*types.Named)
	if !ok {
		return false
	}
	obj := n.Origin().Obj()
	return obj.Name() == name && obj.Pkg() != nil && obj.Pkg().Path() == inngestPath
}

// detWalker walks handler code outside steps, following calls of the
// package's own functions.
type detWalker struct {
	c *checker
	// seen are the bodies walked already: each is walked once.
	seen map[ast.Node]bool
}

// handler records the handler e denotes: a function literal, a function
// or method of the package, a variable holding a literal, a conversion, or
// a call of a local function that returns a literal.
func (c *checker) handler(e ast.Expr) {
	switch e := ast.Unparen(e).(type) {
	case *ast.FuncLit:
		c.handlerLits[e] = true
		c.addHandler(e.Body)
		return
	case *ast.CallExpr:
		if tv, ok := c.pass.TypesInfo.Types[e.Fun]; ok && tv.IsType() {
			if len(e.Args) == 1 {
				c.handler(e.Args[0])
			}
			return
		}
		if fn := c.localFunc(e); fn != nil {
			for _, lit := range returnedLits(c.decls[fn].Body) {
				c.handler(lit)
			}
		}
		return
	case *ast.Ident:
		if v, ok := c.pass.TypesInfo.Uses[e].(*types.Var); ok {
			for _, lit := range c.litsOf(v) {
				c.handler(lit)
			}
			return
		}
	}
	if fn := c.funcRef(e); fn != nil {
		c.addHandler(c.decls[fn].Body)
	}
}

// returnedLits returns the function literals that body returns directly.
func returnedLits(body *ast.BlockStmt) []*ast.FuncLit {
	var lits []*ast.FuncLit
	ast.Inspect(body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.FuncLit:
			return false
		case *ast.ReturnStmt:
			for _, r := range n.Results {
				if lit, ok := ast.Unparen(r).(*ast.FuncLit); ok {
					lits = append(lits, lit)
				}
			}
		}
		return true
	})
	return lits
}

// litsOf returns the function literals assigned to v anywhere in the
// package.
func (c *checker) litsOf(v *types.Var) []*ast.FuncLit {
	if c.lits == nil {
		c.lits = make(map[*types.Var][]*ast.FuncLit)
		info := c.pass.TypesInfo
		add := func(id *ast.Ident, val ast.Expr) {
			lit, ok := ast.Unparen(val).(*ast.FuncLit)
			if !ok {
				return
			}
			obj := info.Defs[id]
			if obj == nil {
				obj = info.Uses[id]
			}
			if v, ok := obj.(*types.Var); ok {
				c.lits[v] = append(c.lits[v], lit)
			}
		}
		for _, f := range c.pass.Files {
			ast.Inspect(f, func(n ast.Node) bool {
				switch n := n.(type) {
				case *ast.AssignStmt:
					if len(n.Lhs) == len(n.Rhs) {
						for i, lhs := range n.Lhs {
							if id, ok := lhs.(*ast.Ident); ok {
								add(id, n.Rhs[i])
							}
						}
					}
				case *ast.ValueSpec:
					if len(n.Names) == len(n.Values) {
						for i, id := range n.Names {
							add(id, n.Values[i])
						}
					}
				}
				return true
			})
		}
	}
	return c.lits[v]
}

// walk reports non-deterministic calls in body, once per body. chain
// lists the local functions through which a handler reaches body.
func (d *detWalker) walk(body ast.Node, chain []string) {
	if d.seen[body] {
		return
	}
	d.seen[body] = true
	d.inspect(body, chain)
}

func (d *detWalker) inspect(n ast.Node, chain []string) {
	c := d.c
	ast.Inspect(n, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.FuncLit:
			if c.callbackLits[n] != nil {
				return false
			}
		case *ast.Ident:
			obj := c.pass.TypesInfo.Uses[n]
			if kind := nondeterministic(obj); kind != "" {
				c.report(n.Pos(), "%s %s, outside any step, %s on every replay: a handler's code outside steps runs again each time the function is called, so call it inside a step.Run callback, which saves its result",
					qualified(obj), handlerPlace(chain), effects[kind])
			}
		case *ast.CallExpr:
			if fn := c.stepFunc(n); fn != nil && !isParallel(fn) {
				// A step's callback may do anything; its arguments are
				// handler code.
				for _, arg := range n.Args {
					if !c.isFunc(arg) {
						d.inspect(arg, chain)
					}
				}
				return false
			}
			if callee := c.localFunc(n); callee != nil {
				d.walk(c.decls[callee].Body, append(chain[:len(chain):len(chain)], funcName(callee)))
			}
		}
		return true
	})
}

var effects = map[string]string{
	"time":   "reads a different time",
	"random": "draws a different random value",
	"ID":     "makes a different ID",
}

// handlerPlace says where handler code is: in the handler itself, or in a
// function it calls.
func handlerPlace(chain []string) string {
	if len(chain) == 0 {
		return "in a function handler"
	}
	s := "in " + chain[len(chain)-1] + ", which a function handler calls"
	if len(chain) > 1 {
		s += " through " + strings.Join(chain[:len(chain)-1], ", ")
	}
	return s
}
