// Command batch shows event batching: 250 events become three runs of up
// to 100 events, each one bulk insert. The functions are in
// app/functions.go.
//
//	go run ./examples/batch
package main

import (
	"github.com/durablefn/inngest/examples/batch/app"
	"github.com/durablefn/inngest/examples/internal/demo"
)

func main() { demo.Main(app.Example()) }
