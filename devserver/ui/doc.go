// Package ui is a web UI for a [devserver.Server]: the runs with their
// step timelines, the events and the runs they started, the apps with
// their functions, and forms to send an event, cancel or rerun a run and
// re-sync an app.
//
// It is server-rendered HTML with a little CSS and JavaScript, all
// embedded in the binary. Every page reads without JavaScript; with it,
// pages follow the server's changes live (server-sent events at /stream).
//
// # Mounting
//
// Mount it beside the API, on the server's own listener, with
// [devserver.Config].UI:
//
//	srv, err := devserver.New(devserver.Config{
//		UI: func(s *devserver.Server) http.Handler { return ui.New(s, nil) },
//	})
//
// Every request the API has no endpoint for then reaches the UI, at
// /runs, /runs/{id}, /events and /apps. Or mount [New]'s handler on a
// router of your own; set [Config].Prefix when it is stripped from the
// path.
//
// # Security
//
// The UI has no login: whoever reaches it can read every run and event,
// send events, cancel and rerun runs. It shows no signing or event key,
// escapes everything it shows (event data and step outputs are the
// senders'), forbids inline scripts with a Content-Security-Policy, and
// refuses actions a browser marks as sent from another site. Serve it on
// loopback, as cmd/inngest-dev does by default.
package ui
