package expr

import (
	"strconv"
	"strings"

	celast "cel.dev/cel-go/common/ast"
	"cel.dev/cel-go/common/operators"
)

// EqIndex describes a top-level equality `async.<path> == <other>` where
// <other> depends on `event` only (or is a literal): a waiting run can be
// filed under the value of <other>, computed once, and an incoming event
// looked up by the value at <path>.
type EqIndex struct {
	asyncPath []string
	other     celast.Expr
}

// findEqIndex looks through a top-level chain of && for the first equality
// usable as an index.
func findEqIndex(e celast.Expr) *EqIndex {
	if e.Kind() != celast.CallKind {
		return nil
	}
	call := e.AsCall()
	switch call.FunctionName() {
	case operators.LogicalAnd:
		for _, a := range call.Args() {
			if ix := findEqIndex(a); ix != nil {
				return ix
			}
		}
	case operators.Equals:
		args := call.Args()
		if len(args) != 2 {
			return nil
		}
		for i := 0; i < 2; i++ {
			path, root := selectPath(args[i])
			if root != "async" || len(path) == 0 {
				continue
			}
			other := args[1-i]
			if !dependsOnlyOnEvent(other) {
				continue
			}
			return &EqIndex{asyncPath: path, other: other}
		}
	}
	return nil
}

// selectPath turns a.b.c into root "a" and path [b c].
func selectPath(e celast.Expr) ([]string, string) {
	var path []string
	for e.Kind() == celast.SelectKind {
		s := e.AsSelect()
		if s.IsTestOnly() {
			return nil, ""
		}
		path = append([]string{s.FieldName()}, path...)
		e = s.Operand()
	}
	if e.Kind() != celast.IdentKind {
		return nil, ""
	}
	return path, e.AsIdent()
}

func dependsOnlyOnEvent(e celast.Expr) bool {
	if e.Kind() == celast.LiteralKind {
		return true
	}
	path, root := selectPath(e)
	return root == "event" && len(path) > 0
}

// OtherValue computes the non-async side of the equality for a run whose
// triggering event is event, as an index key; false when it has no
// scalar value there.
func (ix *EqIndex) OtherValue(event map[string]any) (string, bool) {
	if ix.other.Kind() == celast.LiteralKind {
		return indexValue(ix.other.AsLiteral().Value())
	}
	path, _ := selectPath(ix.other)
	v, ok := lookupPath(event, path)
	if !ok {
		return "", false
	}
	return indexValue(v)
}

// AsyncValue reads the indexed field of an incoming event, as an index
// key; false when it has no scalar value there.
func (ix *EqIndex) AsyncValue(async map[string]any) (string, bool) {
	v, ok := lookupPath(async, ix.asyncPath)
	if !ok {
		return "", false
	}
	return indexValue(v)
}

// PathKey names the indexed field of the async event ("data.id").
func (ix *EqIndex) PathKey() string { return strings.Join(ix.asyncPath, ".") }

func lookupPath(m map[string]any, path []string) (any, bool) {
	var cur any = m
	for _, p := range path {
		mm, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		cur, ok = mm[p]
		if !ok {
			return nil, false
		}
	}
	return cur, true
}

// indexValue normalizes a scalar so that equal CEL values give equal keys:
// every number becomes a float64.
func indexValue(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return "s" + x, true
	case bool:
		return "b" + strconv.FormatBool(x), true
	case float64:
		return "n" + strconv.FormatFloat(x, 'g', -1, 64), true
	case int64:
		return "n" + strconv.FormatFloat(float64(x), 'g', -1, 64), true
	case uint64:
		return "n" + strconv.FormatFloat(float64(x), 'g', -1, 64), true
	case int:
		return "n" + strconv.FormatFloat(float64(x), 'g', -1, 64), true
	}
	return "", false
}
