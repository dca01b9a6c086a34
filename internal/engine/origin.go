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

// onFunctionGoroutine reports whether its caller runs on a goroutine that
// Execute started for a function, found by where the goroutine began:
// the outermost frame of its stack. Go cannot name a goroutine, but that
// frame tells the function's own from one the user started (go f(),
// errgroup, a timer's callback). It walks the whole stack, so it is kept
// for steps that would otherwise not stop their goroutine (checkpointed
// ones).
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
	frames := runtime.CallersFrames(tail[:])
	entry := ""
	for {
		f, more := frames.Next()
		if f.Function != "runtime.goexit" && f.Function != "" {
			entry = f.Function
		}
		if !more {
			break
		}
	}
	return strings.HasPrefix(entry, executeEntry)
}
