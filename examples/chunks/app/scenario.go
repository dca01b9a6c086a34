package app

import (
	"context"
	"errors"
	"fmt"
	"sync"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/examples/internal/demo"
)

// Fake is an in-memory file store and database. Chunks are named
// "<file>@<offset>".
type Fake struct {
	// Rows is each file's row count.
	Rows map[string]int
	// Flaky lists chunks whose first import attempt fails.
	Flaky map[string]bool
	// Corrupt lists chunks that can never be imported.
	Corrupt map[string]bool

	mu    sync.Mutex
	calls map[string]int
}

// CountRows returns the file's row count.
func (f *Fake) CountRows(_ context.Context, file string) (int, error) {
	n, ok := f.Rows[file]
	if !ok {
		return 0, inngest.NonRetriable(fmt.Errorf("no such file %q", file))
	}
	return n, nil
}

// ImportRows stores rows [offset, offset+limit) of the file.
func (f *Fake) ImportRows(_ context.Context, file string, offset, limit int) (int, error) {
	chunk := fmt.Sprintf("%s@%d", file, offset)
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.calls == nil {
		f.calls = map[string]int{}
	}
	f.calls[chunk]++
	switch {
	case f.Corrupt[chunk]:
		return 0, inngest.NonRetriable(fmt.Errorf("%s row %d: malformed date %q", file, offset+17, "31/02/2024"))
	case f.Flaky[chunk] && f.calls[chunk] == 1:
		return 0, errors.New("database connection reset")
	}
	return limit, nil
}

// Calls counts the import calls made for a chunk.
func (f *Fake) Calls(chunk string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[chunk]
}

// Example runs the pattern: a 4,500-row file is imported in five chunks,
// one of which fails once and is retried alone; a file with a corrupt
// chunk stops there, keeping the chunks before it.
func Example() demo.Example {
	im := &Fake{
		Rows:    map[string]int{"customers.csv": 4500, "orders.csv": 3000},
		Flaky:   map[string]bool{"customers.csv@2000": true},
		Corrupt: map[string]bool{"orders.csv@1000": true},
	}
	return demo.Example{
		AppID: AppID,
		Register: func(c *inngest.Client) error {
			_, err := Register(c, im)
			return err
		},
		Scenario: func(ctx context.Context, env *demo.Env) error {
			ids, err := env.Send(ctx,
				ImportRequested.New(Import{ImportID: "imp-1", File: "customers.csv"}),
				ImportRequested.New(Import{ImportID: "imp-2", File: "orders.csv"}),
			)
			if err != nil {
				return err
			}
			if err := env.ExpectRuns(ctx, ids, "Completed", "Failed"); err != nil {
				return err
			}
			if n := im.Calls("customers.csv@0"); env.Embedded() && n != 1 {
				return fmt.Errorf("the first chunk was imported %d times, want once", n)
			}
			return nil
		},
	}
}
