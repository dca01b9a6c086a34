// Command chunks shows a large import split into chunk steps with dynamic
// IDs. The functions are in app/functions.go.
//
//	go run ./examples/chunks
package main

import (
	"github.com/durablefn/inngest/examples/chunks/app"
	"github.com/durablefn/inngest/examples/internal/demo"
)

func main() { demo.Main(app.Example()) }
