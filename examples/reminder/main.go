// Command reminder shows a sleeping run cancelled by an event: a reminder
// fires when due unless it was deleted first. The functions are in
// app/functions.go.
//
//	go run ./examples/reminder
package main

import (
	"github.com/durablefn/inngest/examples/internal/demo"
	"github.com/durablefn/inngest/examples/reminder/app"
)

func main() { demo.Main(app.Example()) }
