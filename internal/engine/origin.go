package engine

import (
	"reflect"
	"runtime"
	"strings"
)

// executeEntry is the name prefix of the goroutine Execute starts for a
// function: "<this package>.(*Run).Execute.".
var executeEntry = func() string {
	name := runtime.FuncForPC(reflect.ValueOf(New).Pointer()).Name()
	return strings.TrimSuffix(name, "New") + "(*Run).Execute."
}()

// onFunctionGoroutine reports whether its caller runs on the goroutine
// that Execute started for the function, found by where the goroutine
// began: the outermost frame of its stack. Go cannot name a goroutine,
// but that frame tells the function's own from one the user started
// (go f(), errgroup, a timer's callback). It walks the whole stack (a
// few hundred nanoseconds), so it is kept for the function's steps that
// are not memoized, which stop their goroutine or run code: a step that
// stopped a goroutine of the user's would leave a function waiting for
// it waiting forever. A step.Parallel branch's steps are not checked:
// discovering a thousand branches would walk a thousand stacks.
func onFunctionGoroutine() bool {
	var pcs [32]uintptr
	var tail [2]uintptr // the two outermost PCs seen so far
	for skip := 2; ; {
		n := runtime.Callers(skip, pcs[:])
		switch {
		case n >= 2:
			tail = [2]uintptr{pcs[n-2], pcs[n-1]}
		case n == 1:
			tail = [2]uintptr{tail[1], pcs[0]}
		}
		if n < len(pcs) {
			break
		}
		skip += n
	}
	// tail[1] is runtime.goexit's; tail[0] is a return address in the
	// function the goroutine began with. Its entry, looked up without
	// symbolizing file and line, names that function even where the call
	// was inlined into it.
	f := runtime.FuncForPC(tail[0] - 1)
	if f == nil {
		return false
	}
	if f = runtime.FuncForPC(f.Entry()); f == nil {
		return false
	}
	entry := f.Name()
	return strings.HasPrefix(entry, executeEntry)
}
