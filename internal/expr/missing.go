package expr

import (
	"fmt"
	"strings"

	"cel.dev/cel-go/common/operators"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"
	"cel.dev/cel-go/interpreter"
)

// missingFieldDecorator gives comparisons with a field the event lacks the
// real server's meaning instead of an error: missing == null holds,
// missing == anything else (another missing field too) does not, != is the
// opposite, ordering comparisons never hold, and missing + x is x.
func missingFieldDecorator(i interpreter.Interpretable) (interpreter.Interpretable, error) {
	call, ok := i.(interpreter.InterpretableCall)
	if !ok || len(call.Args()) != 2 {
		return i, nil
	}
	switch call.Function() {
	case operators.Equals, operators.NotEquals, operators.Less, operators.LessEquals,
		operators.Greater, operators.GreaterEquals, operators.Add,
		operators.Subtract, operators.Multiply, operators.Divide:
		return &missingAware{InterpretableCall: call}, nil
	}
	return i, nil
}

// missingAware wraps a binary call; see missingFieldDecorator.
type missingAware struct {
	interpreter.InterpretableCall
}

func (m *missingAware) Eval(act interpreter.Activation) ref.Val {
	args := m.Args()
	if v, ok := m.decide(args[0].Eval(act), args[1].Eval(act)); ok {
		return v
	}
	return m.InterpretableCall.Eval(act)
}

func (m *missingAware) Exec(frame *interpreter.ExecutionFrame) ref.Val {
	args := m.Args()
	if v, ok := m.decide(args[0].Exec(frame), args[1].Exec(frame)); ok {
		return v
	}
	return m.InterpretableCall.Exec(frame)
}

// decide answers the call when an argument is a missing field, or when
// arithmetic mixes an integer with a double (JSON numbers decode as
// doubles, literals like 1 are integers): the integer is taken as a double.
func (m *missingAware) decide(a, b ref.Val) (ref.Val, bool) {
	ma, mb := isMissing(a), isMissing(b)
	if !ma && !mb {
		return mixedArithmetic(m.Function(), a, b)
	}
	other := b
	if mb {
		other = a
	}
	both := ma && mb
	otherNull := !both && other.Type() == types.NullType
	switch m.Function() {
	case operators.Equals:
		return types.Bool(otherNull), true
	case operators.NotEquals:
		return types.Bool(!otherNull), true
	case operators.Add:
		if both {
			return types.NullValue, true
		}
		return other, true
	default:
		return types.False, true
	}
}

// mixedArithmetic computes +, -, * and / when one side is a double and the
// other an integer, which CEL would refuse.
func mixedArithmetic(fn string, a, b ref.Val) (ref.Val, bool) {
	x, okA := asFloat(a)
	y, okB := asFloat(b)
	if !okA || !okB || a.Type() == b.Type() {
		return nil, false
	}
	if a.Type() != types.DoubleType && b.Type() != types.DoubleType {
		return nil, false
	}
	switch fn {
	case operators.Add:
		return types.Double(x + y), true
	case operators.Subtract:
		return types.Double(x - y), true
	case operators.Multiply:
		return types.Double(x * y), true
	case operators.Divide:
		return types.Double(x / y), true
	}
	return nil, false
}

func asFloat(v ref.Val) (float64, bool) {
	switch n := v.(type) {
	case types.Double:
		return float64(n), true
	case types.Int:
		return float64(n), true
	case types.Uint:
		return float64(n), true
	}
	return 0, false
}

// isMissing reports whether v is the error of selecting a field (or
// variable) that is not there.
func isMissing(v ref.Val) bool {
	if !types.IsError(v) {
		return false
	}
	msg := fmt.Sprint(v.Value())
	return strings.Contains(msg, "no such key") || strings.Contains(msg, "no such attribute")
}
