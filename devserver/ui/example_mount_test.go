package ui_test

import (
	"context"
	"fmt"
	"net/http"

	"github.com/durablefn/inngest/devserver"
	"github.com/durablefn/inngest/devserver/ui"
)

// Mount the UI beside the orchestrator's API: every request the API has
// no endpoint for reaches it. Here the server has no listener and is
// read in process; with one, open its URL in a browser.
func Example_mount() {
	ctx := context.Background()
	srv, err := devserver.New(devserver.Config{
		NoListener: true,
		UI:         func(s *devserver.Server) http.Handler { return ui.New(s, nil) },
	})
	if err != nil {
		panic(err)
	}
	if err := srv.Start(ctx); err != nil {
		panic(err)
	}
	defer srv.Close(ctx)

	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL()+"/runs", nil)
	resp, err := srv.HTTPClient().Do(req)
	if err != nil {
		panic(err)
	}
	resp.Body.Close()
	fmt.Println(resp.StatusCode, resp.Header.Get("Content-Type"))
	// Output: 200 text/html; charset=utf-8
}
