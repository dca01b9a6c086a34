// Command retries shows retry policies: invalid input is not retried, and
// a rate-limited call is retried when the API says. The functions are in
// app/functions.go.
//
//	go run ./examples/retries
package main

import (
	"github.com/durablefn/inngest/examples/internal/demo"
	"github.com/durablefn/inngest/examples/retries/app"
)

func main() { demo.Main(app.Example()) }
