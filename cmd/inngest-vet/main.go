// Command inngest-vet checks step functions for code that cannot replay:
// steps in goroutines, nested steps, repeated step IDs, and time,
// randomness or fresh IDs read outside steps. The rules are described in
// package github.com/durablefn/inngest/analysis/stepcheck.
//
// Run it on packages directly, or as a vet tool:
//
//	go run github.com/durablefn/inngest/cmd/inngest-vet ./...
//	go build -o inngest-vet github.com/durablefn/inngest/cmd/inngest-vet
//	go vet -vettool=$PWD/inngest-vet ./...
//
// It exits with status 0 when nothing is found. Run directly, it exits
// with status 3 after printing findings and 1 on errors such as a package
// that does not compile; go vet exits with status 1 in both cases.
package main

import (
	"golang.org/x/tools/go/analysis/singlechecker"

	"github.com/durablefn/inngest/analysis/stepcheck"
)

func main() { singlechecker.Main(stepcheck.Analyzer) }
