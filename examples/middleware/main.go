// Command middleware shows logging, validation and a custom error
// reporter running around every function and send. The functions are in
// app/functions.go and the custom middleware in app/reporter.go.
//
//	go run ./examples/middleware
package main

import (
	"github.com/durablefn/inngest/examples/internal/demo"
	"github.com/durablefn/inngest/examples/middleware/app"
)

func main() { demo.Main(app.Example()) }
