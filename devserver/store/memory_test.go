package store_test

import (
	"testing"

	"github.com/durablefn/inngest/devserver/store"
	"github.com/durablefn/inngest/devserver/store/storetest"
)

func TestMemoryConformance(t *testing.T) {
	storetest.Run(t, storetest.Factory{
		New: func(*testing.T) store.Store { return store.NewMemory() },
		Reopen: func(_ *testing.T, s store.Store) store.Store {
			return s.(*store.Memory).Reopen()
		},
	})
}
