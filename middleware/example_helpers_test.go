package middleware_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
)

// playRun plays the server's part for one run of fnID: it calls the
// handler, memoizes each step it runs, and calls again until the function
// returns. It returns the function's JSON result, or the status and body
// of an error answer.
func playRun(h http.Handler, fnID, event string) string {
	steps := map[string]json.RawMessage{}
	stack := []string{}
	for {
		body, _ := json.Marshal(map[string]any{
			"event": json.RawMessage(event), "events": []json.RawMessage{json.RawMessage(event)},
			"steps": steps,
			"ctx":   map[string]any{"run_id": "01J0RUN", "attempt": 0, "stack": map[string]any{"stack": stack, "current": len(stack)}},
		})
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/api/inngest?fnId="+fnID+"&stepId=step", bytes.NewReader(body)))
		if rec.Code == http.StatusOK {
			return string(bytes.TrimSpace(rec.Body.Bytes()))
		}
		if rec.Code != http.StatusPartialContent {
			return fmt.Sprintf("%d %s", rec.Code, bytes.TrimSpace(rec.Body.Bytes()))
		}
		var ops []struct {
			ID   string          `json:"id"`
			Op   string          `json:"op"`
			Data json.RawMessage `json:"data"`
		}
		_ = json.Unmarshal(rec.Body.Bytes(), &ops)
		if len(ops) != 1 || ops[0].Op != "StepRun" {
			return "unexpected answer: " + rec.Body.String()
		}
		steps[ops[0].ID], _ = json.Marshal(map[string]json.RawMessage{"data": ops[0].Data})
		stack = append(stack, ops[0].ID)
	}
}
