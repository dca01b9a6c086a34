// Package connect serves a client's functions over an outbound WebSocket
// connection to the server's Connect gateway, instead of an HTTP endpoint
// the server calls: the worker needs no public URL, so it runs behind NAT,
// in a private network or on a laptop.
//
//	client, _ := inngest.NewClient(inngest.ClientConfig{AppID: "billing"})
//	// ... inngest.CreateFunction(client, ...)
//	w, err := connect.New(client, &connect.Config{InstanceID: "worker-1"})
//	if err != nil {
//		log.Fatal(err)
//	}
//	err = w.Run(ctx) // until ctx ends, then drains
//
// The same functions can be served over HTTP with package handler at the
// same time: both run calls through one code path.
//
// # What a worker does
//
// Run asks the server's API for a gateway (POST /v0/connect/start, with
// the signing key's bearer token), dials it and sends the app's
// configuration; the server syncs the app. The gateway then sends calls,
// which the worker acknowledges, runs and answers over the connection.
//
//   - Heartbeats both ways show that the connection is alive; a gateway
//     that stops answering them is taken for gone.
//   - A long call's lease is extended while it runs, so the server does
//     not run it again elsewhere.
//   - Config.MaxWorkerConcurrency (or INNGEST_CONNECT_MAX_WORKER_CONCURRENCY)
//     bounds the calls running at once; the server is told the bound.
//   - A lost connection is made again with backoff. Calls in flight go on,
//     and a reply whose connection is gone reaches the server through its
//     API (POST /v0/connect/flush), so no run is lost.
//   - When Run's context ends the worker drains: it asks the gateway for
//     no more calls, finishes those in flight, delivers their replies and
//     closes the connection.
package connect
