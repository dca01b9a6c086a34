package middleware_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/handler"
	"github.com/durablefn/inngest/middleware"
	"github.com/durablefn/inngest/step"
)

// The function below is called three times (once per step, once more to
// return), yet each line appears once: replayed code does not log.
func ExampleNewLogging() {
	logger := slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey || a.Key == "duration" {
				return slog.Attr{} // keep the output stable
			}
			return a
		},
	}))
	client, _ := inngest.NewClient(inngest.ClientConfig{
		AppID: "shop", Dev: "1",
		Middleware: []middleware.Middleware{
			middleware.NewLogging(middleware.LoggingConfig{Logger: logger}),
		},
	})
	_, _ = inngest.CreateFunction(client, inngest.FunctionOpts{ID: "ship-order"}, inngest.OnEvent("shop/order.paid"),
		func(ctx context.Context, in inngest.Input[map[string]any]) (string, error) {
			log := inngest.Logger(ctx).With("order", in.Event.Data["order"])
			label, err := step.Run(ctx, "print-label", func(ctx context.Context) (string, error) {
				log.Info("printing label")
				return "LBL-1", nil
			})
			if err != nil {
				return "", err
			}
			_, err = step.Run(ctx, "notify", func(ctx context.Context) (bool, error) { return true, nil })
			log.Info("shipped", "label", label)
			return label, err
		})

	result := playRun(handler.New(client, handler.Config{}), "shop-ship-order", `{"name":"shop/order.paid","data":{"order":"o-7"}}`)
	fmt.Println(result)
	// Output:
	// level=INFO msg="function started" function_id=ship-order run_id=01J0RUN attempt=0
	// level=INFO msg="printing label" function_id=ship-order run_id=01J0RUN attempt=0 step_id=print-label order=o-7
	// level=INFO msg="step finished" function_id=ship-order run_id=01J0RUN attempt=0 step_id=print-label kind=step.run
	// level=INFO msg="step finished" function_id=ship-order run_id=01J0RUN attempt=0 step_id=notify kind=step.run
	// level=INFO msg=shipped function_id=ship-order run_id=01J0RUN attempt=0 order=o-7 label=LBL-1
	// level=INFO msg="function finished" function_id=ship-order run_id=01J0RUN attempt=0
	// "LBL-1"
}
