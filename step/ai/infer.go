package ai

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/durablefn/inngest/internal/stepcall"
	"github.com/durablefn/inngest/internal/wire"
)

// Infer has the server send req to model and returns the model's
// response, saved with the run: a step that already ran returns it
// without calling the model again. The run does not use the app's time
// while the model works.
//
// A response with a status other than 2xx, a body that is not JSON, or a
// request that fails outright fails the attempt: the step is retried with
// the function's retries, then Infer returns an *inngest.StepError named
// "AIGatewayError" whose Stack holds the provider's answer.
func Infer[Req, Resp any](ctx context.Context, stepID string, model Model[Req, Resp], req Req) (Resp, error) {
	var zero Resp
	r, err := stepcall.Start(ctx, "ai.Infer", stepID)
	if err != nil {
		return zero, err
	}
	if err := model.check(); err != nil {
		return zero, stepcall.Invalid("inngest: ai.Infer(%q): %w", stepID, err)
	}
	ref, raw, ok, err := r.Lookup(ctx, "ai.Infer", stepID)
	if err != nil {
		return zero, err
	}
	if ok {
		return stepcall.Decode[Resp](r, stepID, raw)
	}
	// The request is built only when it is sent, so a replay costs no
	// encoding.
	opts, err := inferOpts(model, req)
	if err != nil {
		r.Drop(ref)
		return zero, stepcall.Invalid("inngest: ai.Infer(%q): %w", stepID, err)
	}
	r.Report(ctx, ref, wire.OpAIGateway, opts)
	panic("unreachable")
}

// inferOpts builds the opts of an Infer step's AIGateway op.
func inferOpts[Req, Resp any](model Model[Req, Resp], req Req) (wire.AIGatewayOpts, error) {
	if model.Prepare != nil {
		if err := model.Prepare(&req); err != nil {
			return wire.AIGatewayOpts{}, err
		}
	}
	body, err := json.Marshal(req)
	if err != nil {
		return wire.AIGatewayOpts{}, fmt.Errorf("encoding the request: %w", err)
	}
	format := model.Format
	if format == "" {
		format = FormatOpenAIChat
	}
	return wire.AIGatewayOpts{
		Type:    wire.StepTypeAIInfer,
		URL:     model.URL,
		Headers: model.Header,
		AuthKey: model.AuthKey,
		Format:  string(format),
		Body:    body,
	}, nil
}
