package stepcheck

import (
	"go/ast"
	"go/token"
	"go/types"
)

// frame is what the walker knows about the code it is in.
type frame struct {
	// callback is the step call whose callback encloses the code, if any.
	callback *ast.CallExpr
	// goroutine names what started the goroutine the code runs on, if it
	// is not the function's own: "a go statement", "errgroup.Group.Go".
	goroutine string
	// mapRange is the enclosing range in random order, if any.
	mapRange *ast.RangeStmt
	// unit collects the step IDs of one function body; path says which
	// branch of each enclosing if, switch and select the code is in.
	unit *idUnit
	path []arm
}

// arm is one branch of an if (0 then, 1 else), switch or select (the
// clause's index). Code in different arms of one statement never runs in
// the same pass.
type arm struct {
	stmt ast.Node
	n    int
}

func (f frame) in(stmt ast.Node, n int) frame {
	f.path = append(f.path[:len(f.path):len(f.path)], arm{stmt, n})
	return f
}

// body returns the frame of a function literal's body: a new unit of
// step IDs.
func (f frame) body() frame {
	f.unit, f.path = &idUnit{}, nil
	return f
}

// idUnit is one function body's step calls with constant IDs.
type idUnit struct {
	uses []idUse
}

type idUse struct {
	id   string
	call *ast.CallExpr
	name string
	path []arm
}

// exclusive reports whether code at paths a and b can never both run in
// one pass: they sit in different arms of one statement.
func exclusive(a, b []arm) bool {
	for i := 0; i < len(a) && i < len(b); i++ {
		if a[i] != b[i] {
			return a[i].stmt == b[i].stmt
		}
	}
	return false
}

// findCallbacks collects the function literals handed to a step as its
// callback through a variable, as in
//
//	now := func(ctx context.Context) (time.Time, error) { ... }
//	step.Run(ctx, "now", now)
func (c *checker) findCallbacks() {
	if !importsSteps(c.pass.Pkg) {
		return
	}
	for _, f := range c.pass.Files {
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			fn := c.stepFunc(call)
			if fn == nil || isParallel(fn) {
				return true
			}
			for _, arg := range call.Args {
				id, ok := ast.Unparen(arg).(*ast.Ident)
				if !ok {
					continue
				}
				if v, ok := c.pass.TypesInfo.Uses[id].(*types.Var); ok && c.isFunc(arg) {
					for _, lit := range c.litsOf(v) {
						c.callbackLits[lit] = call
					}
				}
			}
			return true
		})
	}
}

// checkSteps walks every function of the package for the rules about
// where steps are called and with which IDs.
func (c *checker) checkSteps() {
	if !importsSteps(c.pass.Pkg) {
		return
	}
	w := &walker{c: c, ranges: make(map[*ast.RangeStmt]bool)}
	for _, f := range c.pass.Files {
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *ast.FuncDecl:
				if d.Body != nil {
					w.node(d.Body, frame{}.body())
				}
			case *ast.GenDecl:
				w.node(d, frame{})
			}
		}
	}
}

type walker struct {
	c *checker
	// ranges are the map ranges reported already, once each.
	ranges map[*ast.RangeStmt]bool
}

func (w *walker) node(n ast.Node, f frame) {
	if n == nil {
		return
	}
	ast.Inspect(n, func(m ast.Node) bool {
		switch m := m.(type) {
		case *ast.FuncLit:
			if call := w.c.callbackLits[m]; call != nil {
				g := f.body()
				g.callback, g.goroutine, g.mapRange = call, "", nil
				w.node(m.Body, g)
				return false
			}
			if w.c.handlerLits[m] {
				// A handler runs on a request's goroutine, on its own.
				w.node(m.Body, frame{}.body())
				return false
			}
			// A closure likely runs where it is made, but not necessarily
			// in the order a range makes it.
			g := f.body()
			g.mapRange = nil
			w.node(m.Body, g)
			return false
		case *ast.BlockStmt:
			w.list(m.List, f)
			return false
		case *ast.IfStmt:
			w.node(m.Init, f)
			w.node(m.Cond, f)
			w.node(m.Body, f.in(m, 0))
			w.node(m.Else, f.in(m, 1))
			return false
		case *ast.SwitchStmt:
			w.node(m.Init, f)
			w.node(m.Tag, f)
			w.clauses(m, m.Body, f)
			return false
		case *ast.TypeSwitchStmt:
			w.node(m.Init, f)
			w.node(m.Assign, f)
			w.clauses(m, m.Body, f)
			return false
		case *ast.SelectStmt:
			w.clauses(m, m.Body, f)
			return false
		case *ast.RangeStmt:
			w.node(m.Key, f)
			w.node(m.Value, f)
			w.node(m.X, f)
			inner := f
			if inner.mapRange == nil && w.c.randomOrder(m) {
				inner.mapRange = m
			}
			w.node(m.Body, inner)
			return false
		case *ast.GoStmt:
			g := f
			g.goroutine, g.callback = "a go statement", nil
			w.node(m.Call, g)
			return false
		case *ast.CallExpr:
			return w.call(m, f)
		}
		return true
	})
}

// list walks a block's statements. After an if whose then-branch always
// returns (or branches away), the rest of the block is in effect its else
// branch, and so never runs in the same pass as the then-branch.
func (w *walker) list(stmts []ast.Stmt, f frame) {
	for _, s := range stmts {
		w.node(s, f)
		is, ok := s.(*ast.IfStmt)
		if !ok {
			continue
		}
		thenEnds := w.c.terminates(is.Body)
		elseEnds := is.Else != nil && w.c.terminates(is.Else)
		switch {
		case thenEnds && elseEnds:
			f = f.in(is, 2)
		case thenEnds:
			f = f.in(is, 1)
		case elseEnds:
			f = f.in(is, 0)
		}
	}
}

// clauses walks the clauses of a switch or select, each an arm of stmt.
// Clauses joined by fallthrough share an arm.
func (w *walker) clauses(stmt ast.Node, body *ast.BlockStmt, f frame) {
	group := 0
	for i, s := range body.List {
		switch cl := s.(type) {
		case *ast.CaseClause:
			g := f.in(stmt, group)
			for _, e := range cl.List {
				w.node(e, g)
			}
			w.list(cl.Body, g)
			if !fallsThrough(cl.Body) {
				group = i + 1
			}
		case *ast.CommClause:
			g := f.in(stmt, i)
			w.node(cl.Comm, g)
			w.list(cl.Body, g)
		}
	}
}

func fallsThrough(list []ast.Stmt) bool {
	if len(list) == 0 {
		return false
	}
	b, ok := list[len(list)-1].(*ast.BranchStmt)
	return ok && b.Tok == token.FALLTHROUGH
}

// call checks one call and walks its arguments with the frames they run
// in. It returns true when the caller should walk the children itself.
func (w *walker) call(call *ast.CallExpr, f frame) bool {
	c := w.c
	if fn := c.stepFunc(call); fn != nil {
		w.step(call, fn, f)
		for _, arg := range call.Args {
			if !c.isFunc(arg) {
				w.node(arg, f)
				continue
			}
			if lit, ok := ast.Unparen(arg).(*ast.FuncLit); ok {
				if isParallel(fn) {
					// A branch is the handler's own code: same goroutine
					// as far as steps go, same pass, same IDs.
					g := f
					g.callback, g.goroutine = nil, ""
					w.node(lit.Body, g)
				} else {
					g := f.body()
					g.callback, g.goroutine = call, ""
					w.node(lit.Body, g)
				}
				continue
			}
			if ref := c.funcRef(arg); ref != nil && !isParallel(fn) {
				if wit := c.reachesStep(ref); wit != nil {
					c.report(arg.Pos(), "%s is the callback of %s: steps do not nest, whichever ctx they get; call its steps from the function body, before or after %s",
						c.describe(ref, wit), c.stepLabel(fn, call), stepName(fn))
				}
			}
			w.node(arg, f)
		}
		return false
	}
	if what := c.launcher(call); what != "" {
		w.node(call.Fun, f)
		for _, arg := range call.Args {
			if !c.isFunc(arg) {
				w.node(arg, f)
				continue
			}
			if lit, ok := ast.Unparen(arg).(*ast.FuncLit); ok {
				g := f.body()
				g.goroutine, g.callback = what, nil
				w.node(lit.Body, g)
				continue
			}
			if ref := c.funcRef(arg); ref != nil {
				if wit := c.reachesStep(ref); wit != nil {
					c.report(arg.Pos(), "%s runs in a goroutine started by %s: %s", c.describe(ref, wit), what, goroutineAdvice)
				}
			}
			w.node(arg, f)
		}
		return false
	}
	if lit, ok := ast.Unparen(call.Fun).(*ast.FuncLit); ok {
		// Called in place: the literal's code runs right here.
		for _, arg := range call.Args {
			w.node(arg, f)
		}
		w.node(lit.Body, f.body())
		return false
	}
	if callee := c.localFunc(call); callee != nil {
		if wit := c.reachesStep(callee); wit != nil {
			w.reached(call, callee, wit, f)
		}
	}
	return true
}

const goroutineAdvice = "a step works only on the function's own goroutine (a new step stops the goroutine that reaches it); run steps concurrently with step.Parallel or step.Parallel2"

// step checks a step call against the frame it is in.
func (w *walker) step(call *ast.CallExpr, fn *types.Func, f frame) {
	c := w.c
	name := stepName(fn)
	switch {
	case f.goroutine != "":
		c.report(call.Pos(), "%s in a goroutine started by %s: %s", name, f.goroutine, goroutineAdvice)
	case f.callback != nil:
		outer := c.stepFunc(f.callback)
		c.report(call.Pos(), "%s inside the callback of %s: steps do not nest, whichever ctx they get; call %s from the function body, before or after %s",
			name, c.stepLabel(outer, f.callback), name, stepName(outer))
	case f.mapRange != nil:
		w.mapRange(f.mapRange, name, call.Pos())
	}
	id, ok := c.stepID(fn, call)
	if !ok || f.unit == nil {
		return
	}
	for _, u := range f.unit.uses {
		if u.id == id && !exclusive(u.path, f.path) {
			c.report(call.Args[1].Pos(), "step ID %q is already used by %s at %s, which runs in the same pass: give this step an ID of its own (an ID repeats safely only across loop iterations)",
				id, u.name, c.where(u.call.Pos()))
			break
		}
	}
	f.unit.uses = append(f.unit.uses, idUse{id: id, call: call, name: name, path: f.path})
}

// reached checks a call of a local function that calls a step.
func (w *walker) reached(call *ast.CallExpr, callee *types.Func, wit *witness, f frame) {
	c := w.c
	switch {
	case f.goroutine != "":
		c.report(call.Pos(), "%s runs in a goroutine started by %s: %s", c.describe(callee, wit), f.goroutine, goroutineAdvice)
	case f.callback != nil:
		outer := c.stepFunc(f.callback)
		c.report(call.Pos(), "%s is called inside the callback of %s: steps do not nest, whichever ctx they get; call it from the function body, before or after %s",
			c.describe(callee, wit), c.stepLabel(outer, f.callback), stepName(outer))
	case f.mapRange != nil:
		w.mapRange(f.mapRange, funcName(callee)+" (which calls "+wit.step+")", call.Pos())
	}
}

// mapRange reports a range in random order whose body reaches a step.
func (w *walker) mapRange(r *ast.RangeStmt, what string, at token.Pos) {
	if w.ranges[r] {
		return
	}
	w.ranges[r] = true
	w.c.report(r.For, "range over a map calls %s at %s in random order, so a replay can meet its steps in another order than the run before: range over sorted keys, e.g. slices.Sorted(maps.Keys(m))",
		what, w.c.where(at))
}
