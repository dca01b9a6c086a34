// Package ai provides the AI steps: Infer, which has the server call a
// model on the function's behalf, and Wrap, which runs a model call in
// the app as a step the server knows to be an AI call.
//
// # Infer
//
// Infer sends a typed request to a model through the server: the run does
// not use the app's time while the model thinks, the server keeps the
// request and the response for the run's trace, and the response is
// saved like any step result, so the model is called once however often
// the function is called again:
//
//	model := ai.OpenAI(ai.OpenAIConfig{Model: "gpt-4o-mini"})
//	resp, err := ai.Infer(ctx, "summarize", model, ai.OpenAIChatRequest{
//		Messages: []ai.OpenAIMessage{{Role: "user", Content: "Summarize: " + text}},
//	})
//	summary := resp.Text()
//
// A Model names where the server sends the request, in which format, and
// with which key; its type parameters are the format's request and
// response types, so a request for one provider cannot go to another.
// OpenAI, Anthropic and Gemini build models for the formats the server
// knows; OpenAI with a BaseURL serves every OpenAI-compatible provider
// (DeepSeek, Grok, Groq, a local server). For another format, build a
// Model with your own types.
//
// The key travels to the server in the step's op, as with every Inngest
// SDK: the server puts it where the format wants it (a bearer token, the
// x-api-key header, or Gemini's key query parameter) and never shows it.
//
// A model that answers with a status other than 2xx, or cannot be
// reached, fails the step's attempt; it is retried with the function's
// retries, then Infer returns an *inngest.StepError named
// "AIGatewayError" whose Stack holds the provider's answer.
//
// # Wrap
//
// Wrap runs a model call in the app, through any client library, as a
// step: its result is saved like step.Run's, and the server sees the step
// as an AI call with its input.
package ai
