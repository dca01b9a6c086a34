// Command saga shows compensation: an order whose charge fails has its
// stock reservation cancelled, and its run fails. The functions are in
// app/functions.go.
//
//	go run ./examples/saga
package main

import (
	"github.com/durablefn/inngest/examples/internal/demo"
	"github.com/durablefn/inngest/examples/saga/app"
)

func main() { demo.Main(app.Example()) }
