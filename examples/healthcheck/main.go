// Command healthcheck shows a cron function with one step per service and
// an alert event for each unhealthy one. The functions are in
// app/functions.go.
//
//	go run ./examples/healthcheck
package main

import (
	"github.com/durablefn/inngest/examples/healthcheck/app"
	"github.com/durablefn/inngest/examples/internal/demo"
)

func main() { demo.Main(app.Example()) }
