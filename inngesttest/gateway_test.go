package inngesttest_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"

	"github.com/stretchr/testify/require"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/inngesttest"
	"github.com/durablefn/inngest/step"
	"github.com/durablefn/inngest/step/ai"
)

// gatewayFunction fetches a price, asks a model about it, and wraps a
// local call, with the given provider origin.
func gatewayFunction(t testing.TB, c *inngest.Client, origin string) *inngest.Function[map[string]any, string] {
	return create(t, c, inngest.FunctionOpts{ID: "advise", Retries: inngest.Ptr(2)}, inngest.OnEvent("price/check"),
		func(ctx context.Context, in inngest.Input[map[string]any]) (string, error) {
			res, err := step.Fetch(ctx, "price", step.FetchRequest{URL: origin + "/price?sku=1", Header: http.Header{"X-Key": {"k"}}})
			if err != nil {
				return "", err
			}
			model := ai.OpenAI(ai.OpenAIConfig{Model: "gpt-test", APIKey: "sk-secret-key", BaseURL: origin + "/v1"})
			answer, err := ai.Infer(ctx, "advice", model, ai.OpenAIChatRequest{
				Messages: []ai.OpenAIMessage{{Role: "user", Content: "Is " + string(res.Body) + " cheap?"}},
			})
			if err != nil {
				return "", err
			}
			return ai.Wrap(ctx, "shout", answer.Text(), func(ctx context.Context, s string) (string, error) {
				return s + "!", nil
			})
		})
}

// openAIAnswer is a chat completion answering text.
func openAIAnswer(text string) ai.OpenAIChatResponse {
	return ai.OpenAIChatResponse{ID: "c1", Choices: []ai.OpenAIChoice{{Message: ai.OpenAIMessage{Role: "assistant", Content: text}, FinishReason: "stop"}}}
}

func TestFetchAndInferMockedInUnitMode(t *testing.T) {
	t.Parallel()
	c := inngesttest.NewClient(t, inngest.ClientConfig{AppID: "shop"})
	fn := gatewayFunction(t, c, "https://prices.example.com")
	var asked ai.OpenAIChatRequest
	res := inngesttest.Run(t, c, fn,
		inngesttest.MockFetch("price", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			require.Equal(t, "k", r.Header.Get("X-Key"))
			require.Equal(t, "Inngest", r.Header.Get("User-Agent"))
			require.Equal(t, "1", r.URL.Query().Get("sku"))
			w.Header().Set("X-Currency", "EUR")
			_, _ = io.WriteString(w, "12")
		})),
		inngesttest.MockInfer("advice", func(req ai.OpenAIChatRequest) (ai.OpenAIChatResponse, error) {
			asked = req
			return openAIAnswer("yes"), nil
		}),
	)
	require.NoError(t, res.Err)
	require.Equal(t, "yes!", res.Output)
	require.Equal(t, []string{"price", "advice", "shout"}, res.StepIDs())
	require.Equal(t, "gpt-test", asked.Model, "the model's Prepare filled the model in")
	require.Equal(t, "Is 12 cheap?", asked.Messages[0].Content)

	price := res.Step("price")
	require.Equal(t, inngesttest.KindFetch, price.Kind)
	require.True(t, price.Mocked)
	require.Equal(t, &inngesttest.FetchRecord{Method: "GET", URL: "https://prices.example.com/price?sku=1", Header: http.Header{"X-Key": {"k"}}, Body: []byte{}}, price.Fetch)
	require.JSONEq(t, `{"url":"https://prices.example.com/price?sku=1","headers":{"Content-Type":"text/plain; charset=utf-8","X-Currency":"EUR"},"body":"12","status_code":200}`, string(price.Output))

	advice := res.Step("advice")
	require.Equal(t, inngesttest.KindInfer, advice.Kind)
	require.Equal(t, "openai-chat", advice.Infer.Format)
	require.Equal(t, "https://prices.example.com/v1/chat/completions", advice.Infer.URL)
	require.True(t, advice.Infer.HasAuthKey)
	require.JSONEq(t, `{"model":"gpt-test","messages":[{"role":"user","content":"Is 12 cheap?"}]}`, string(advice.Infer.Body))
	require.NotContains(t, fmt.Sprintf("%+v %+v", *advice, *advice.Infer), "sk-secret", "a record never holds the key")

	shout := res.Step("shout")
	require.Equal(t, inngesttest.KindAIWrap, shout.Kind)
	require.JSONEq(t, `"yes"`, string(shout.Input))
	require.JSONEq(t, `"yes!"`, string(shout.Output))
}

func TestGatewayFailuresAreRetriedInUnitMode(t *testing.T) {
	t.Parallel()
	c := inngesttest.NewClient(t, inngest.ClientConfig{AppID: "shop"})
	fn := gatewayFunction(t, c, "https://prices.example.com")

	res := inngesttest.Run(t, c, fn, inngesttest.MockFetchError("price", errors.New("connection refused")))
	require.Error(t, res.Err)
	price := res.Step("price")
	require.Len(t, price.Attempts, 3, "the function's 2 retries")
	var se *inngest.StepError
	require.ErrorAs(t, price.Err, &se)
	require.Equal(t, "GatewayError", se.Name)
	require.Equal(t, "Error making gateway request: connection refused", se.Message)

	calls := 0
	res = inngesttest.Run(t, c, fn,
		inngesttest.MockFetch("price", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "12") })),
		inngesttest.MockInfer("advice", func(req ai.OpenAIChatRequest) (ai.OpenAIChatResponse, error) {
			if calls++; calls == 1 {
				return ai.OpenAIChatResponse{}, errors.New("unsuccessful status code: 429")
			}
			return openAIAnswer("ok"), nil
		}),
		inngesttest.MockStepResult("shout", "mocked"),
	)
	require.NoError(t, res.Err)
	require.Equal(t, "mocked", res.Output, "MockStep mocks an ai.Wrap step")
	advice := res.Step("advice")
	require.Len(t, advice.Attempts, 1)
	require.Equal(t, "AIGatewayError", advice.Attempts[0].Err.Name)
	require.Equal(t, "Error making AI request: unsuccessful status code: 429", advice.Attempts[0].Err.Message)
	require.Equal(t, 1, advice.Attempt)
}

func TestUnmockedGatewayStepsSayWhatToDo(t *testing.T) {
	t.Parallel()
	c := inngesttest.NewClient(t, inngest.ClientConfig{AppID: "shop"})
	fn := gatewayFunction(t, c, "https://prices.example.com")
	msg := failures(t, func(tb testing.TB) { inngesttest.Run(tb, c, fn) })
	require.Contains(t, msg, `step "price" of shop-advise fetches GET https://prices.example.com/price?sku=1 and has no mock: add inngesttest.MockFetch("price", handler)`)

	msg = failures(t, func(tb testing.TB) {
		inngesttest.Run(tb, c, fn, inngesttest.MockFetch("price", http.NotFoundHandler()))
	})
	require.Contains(t, msg, `step "advice" of shop-advise asks model https://prices.example.com/v1/chat/completions (format openai-chat) and has no mock: add inngesttest.MockInfer("advice", fn)`)
	require.NotContains(t, msg, "sk-secret")
}

// In an Env the orchestrator makes the requests, here to a local server.
func TestFetchAndInferEndToEndInAnEnv(t *testing.T) {
	t.Parallel()
	var auth string
	prov := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/price":
			_, _ = io.WriteString(w, "12")
		case "/v1/chat/completions":
			auth = r.Header.Get("Authorization")
			_, _ = io.WriteString(w, `{"choices":[{"message":{"role":"assistant","content":"sure"}}]}`)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(prov.Close)
	env := inngesttest.NewEnv(t, inngesttest.EnvConfig{})
	c := env.NewClient(inngest.ClientConfig{AppID: "shop"})
	gatewayFunction(t, c, prov.URL)
	env.Serve(c)

	run := env.WaitForEventRun(env.Send(inngest.GenericEvent{Name: "price/check"})[0])
	require.Equal(t, inngesttest.StatusCompleted, run.Status, run.String())
	require.JSONEq(t, `"sure!"`, string(run.RawOutput))
	require.Equal(t, "Bearer sk-secret-key", auth)
	require.NotContains(t, run.String(), "sk-secret")
}

// A recorded history keeps a gateway step's target and response, and
// never the key; replaying it feeds the saved responses back.
func TestGatewayStepsRecordAndReplay(t *testing.T) {
	t.Parallel()
	c := inngesttest.NewClient(t, inngest.ClientConfig{AppID: "shop"})
	fn := gatewayFunction(t, c, "https://prices.example.com")
	path := "testdata/advise.history.json"
	res := inngesttest.Record(t, c, fn, path,
		inngesttest.MockFetch("price", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "12") })),
		inngesttest.MockInfer("advice", func(req ai.OpenAIChatRequest) (ai.OpenAIChatResponse, error) { return openAIAnswer("yes"), nil }),
	)
	require.Equal(t, "yes!", res.Output)
	raw, err := os.ReadFile(path)
	require.NoError(t, err)
	require.Contains(t, string(raw), `"url": "https://prices.example.com/v1/chat/completions"`)
	require.Contains(t, string(raw), `"format": "openai-chat"`)
	require.NotContains(t, string(raw), "sk-secret")
	inngesttest.Replay(t, c, fn, path)

	// The same code pointed elsewhere diverges from the history.
	moved := inngesttest.NewClient(t, inngest.ClientConfig{AppID: "shop"})
	msg := failures(t, func(tb testing.TB) {
		inngesttest.Replay(tb, moved, gatewayFunction(t, moved, "https://other.example.com"), path)
	})
	require.Contains(t, msg, `step 1: "price" (fetch) changed its options`)
}
