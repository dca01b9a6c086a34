// Command fanout shows the fan-out pattern: one loader run sends an event
// per user, and each user gets a worker run of their own. The functions are
// in app/functions.go.
//
//	go run ./examples/fanout
package main

import (
	"github.com/durablefn/inngest/examples/fanout/app"
	"github.com/durablefn/inngest/examples/internal/demo"
)

func main() { demo.Main(app.Example()) }
