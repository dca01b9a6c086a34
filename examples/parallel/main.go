// Command parallel shows two steps running in parallel after a payment,
// their results combined. The functions are in app/functions.go.
//
//	go run ./examples/parallel
package main

import (
	"github.com/durablefn/inngest/examples/internal/demo"
	"github.com/durablefn/inngest/examples/parallel/app"
)

func main() { demo.Main(app.Example()) }
