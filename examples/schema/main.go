// Command schema shows typed events with a generated JSON Schema, and an
// invalid event failing validation with its bad fields named. The
// functions are in app/functions.go.
//
//	go run ./examples/schema
package main

import (
	"github.com/durablefn/inngest/examples/internal/demo"
	"github.com/durablefn/inngest/examples/schema/app"
)

func main() { demo.Main(app.Example()) }
