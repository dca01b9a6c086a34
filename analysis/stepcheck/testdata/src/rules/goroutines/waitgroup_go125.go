//go:build go1.25

package goroutines

import (
	"context"
	"sync"

	"github.com/durablefn/inngest/step"
)

func waitGroupGo(ctx context.Context) {
	var wg sync.WaitGroup
	wg.Go(func() {
		step.Run(ctx, "a", one) // want `step.Run in a goroutine started by sync.WaitGroup.Go`
	})
	wg.Wait()
}
