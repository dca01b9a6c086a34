// Command approval shows a human in the loop: an invoice waits up to seven
// days for an approval event. The functions are in app/functions.go.
//
//	go run ./examples/approval
package main

import (
	"github.com/durablefn/inngest/examples/approval/app"
	"github.com/durablefn/inngest/examples/internal/demo"
)

func main() { demo.Main(app.Example()) }
