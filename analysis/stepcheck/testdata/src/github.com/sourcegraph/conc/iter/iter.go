// Package iter is a stub of github.com/sourcegraph/conc/iter for the
// checker's tests.
package iter

func ForEach[T any](input []T, f func(*T))      {}
func Map[T, R any](input []T, f func(*T) R) []R { return nil }
