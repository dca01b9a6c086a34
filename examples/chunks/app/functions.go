// Package app is the chunked-import pattern: a large file is imported in
// chunks, each a step with its own ID ("import-chunk-0", "import-chunk-1",
// …), so a failing chunk is retried alone and the chunks already done are
// never imported twice.
package app

import (
	"context"
	"strconv"

	inngest "github.com/durablefn/inngest"
	"github.com/durablefn/inngest/step"
)

// AppID is the example's app ID.
const AppID = "chunks"

// ChunkSize is the number of rows imported per step.
const ChunkSize = 1000

// Import names a file to import.
type Import struct {
	ImportID string `json:"importId"`
	File     string `json:"file"`
}

// ImportRequested starts an import.
var ImportRequested = inngest.EventType[Import]("import/requested")

// Importer reads and stores rows; swap in your own.
type Importer interface {
	CountRows(ctx context.Context, file string) (int, error)
	ImportRows(ctx context.Context, file string, offset, limit int) (imported int, err error)
}

// Register creates the import function.
func Register(c *inngest.Client, im Importer) (*inngest.Function[Import, int], error) {
	return inngest.CreateFunction(c,
		inngest.FunctionOpts{ID: "import-file"},
		ImportRequested.Trigger(),
		func(ctx context.Context, in inngest.Input[Import]) (int, error) {
			file := in.Event.Data.File
			rows, err := step.Run(ctx, "count-rows", func(ctx context.Context) (int, error) {
				return im.CountRows(ctx, file)
			})
			if err != nil {
				return 0, err
			}
			total := 0
			for i, offset := 0, 0; offset < rows; i, offset = i+1, offset+ChunkSize {
				n, err := step.Run(ctx, "import-chunk-"+strconv.Itoa(i), func(ctx context.Context) (int, error) {
					return im.ImportRows(ctx, file, offset, min(ChunkSize, rows-offset))
				})
				if err != nil {
					return total, err
				}
				total += n
			}
			return total, nil
		})
}
