package inngest_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"time"

	inngest "github.com/durablefn/inngest"
)

// An event API that takes the first request's event and then fails, so
// the answer is lost; it starts runs once per event ID, as the real server
// does.
func lossyEventAPI() (srv *httptest.Server, distinct func() int) {
	var (
		mu       sync.Mutex
		received = map[string]bool{}
		requests = 0
	)
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var evs []struct {
			ID string `json:"id"`
		}
		_ = json.NewDecoder(r.Body).Decode(&evs)
		mu.Lock()
		defer mu.Unlock()
		ids := []string{}
		for _, e := range evs {
			received[e.ID] = true
			ids = append(ids, e.ID)
		}
		if requests++; requests == 1 {
			w.WriteHeader(http.StatusBadGateway)
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"ids": ids, "status": 200})
	}))
	return srv, func() int {
		mu.Lock()
		defer mu.Unlock()
		return len(received)
	}
}

// A failed Send carries the IDs it sent; giving them to the same events
// makes the re-send the same logical events, which the server runs once.
func ExampleSendError_resend() {
	srv, distinct := lossyEventAPI()
	defer srv.Close()
	client, err := inngest.NewClient(inngest.ClientConfig{EventKey: "key", EventAPIOrigin: srv.URL})
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	opts := &inngest.SendOpts{MaxAttempts: 1, Backoff: time.Millisecond}

	ev := InvoiceCreated.New(InvoiceData{InvoiceID: "inv_1", Amount: 4200})
	_, err = client.SendWith(ctx, opts, ev)
	var serr *inngest.SendError
	if errors.As(err, &serr) {
		fmt.Println("first send:", serr.Status)
		ev.ID = serr.IDs[0] // the same logical event, not a new one
		_, err = client.SendWith(ctx, opts, ev)
	}
	fmt.Println("re-send failed:", err != nil)
	fmt.Println("distinct events received:", distinct())
	// Output:
	// first send: 502
	// re-send failed: false
	// distinct events received: 1
}
