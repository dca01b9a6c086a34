package sqlitestore_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/durablefn/inngest/devserver/store"
	"github.com/durablefn/inngest/devserver/store/sqlitestore"
	"github.com/durablefn/inngest/devserver/store/storetest"
	"github.com/stretchr/testify/require"
)

func TestConformance(t *testing.T) {
	paths := map[store.Store]string{}
	storetest.Run(t, storetest.Factory{
		New: func(t *testing.T) store.Store {
			path := filepath.Join(t.TempDir(), "state.db")
			s, err := sqlitestore.Open(path, nil)
			require.NoError(t, err)
			paths[s] = path
			return s
		},
		Reopen: func(t *testing.T, s store.Store) store.Store {
			require.NoError(t, s.Close())
			n, err := sqlitestore.Open(paths[s], nil)
			require.NoError(t, err)
			paths[n] = paths[s]
			return n
		},
	})
}

func TestSecondOpenRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	s, err := sqlitestore.Open(path, nil)
	require.NoError(t, err)
	defer s.Close()
	_, err = sqlitestore.Open(path, nil)
	require.ErrorContains(t, err, "another process has")
}

func TestNotADatabase(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	require.NoError(t, os.WriteFile(path, []byte("this is not a database, just text that goes on for a while"), 0o600))
	_, err := sqlitestore.Open(path, nil)
	require.Error(t, err)
}

func TestNewerSchemaRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	s, err := sqlitestore.Open(path, nil)
	require.NoError(t, err)
	require.NoError(t, sqlitestore.SetUserVersion(s, 99))
	require.NoError(t, s.Close())
	_, err = sqlitestore.Open(path, nil)
	require.ErrorContains(t, err, "newer than this program knows")
}

// A path is a file name, not a URI: characters that mean something in a
// URI (?, #, %) name the file they spell, so each path opens its own
// database and its own lock guards it.
func TestPathIsAFileNameNotAURI(t *testing.T) {
	for _, name := range []string{"a?b.db", "a?c.db", "d#e.db", "f%20g.db", "h i.db", "j?_pragma=query_only(1).db"} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, name)
			if name == "a?b.db" {
				path = "/" + path // "//…" would start a URI's authority
			}
			s, err := sqlitestore.Open(path, nil)
			require.NoError(t, err)
			require.NoError(t, s.Close())
			head, err := os.ReadFile(path)
			require.NoError(t, err, "the database is not at the path given")
			require.True(t, strings.HasPrefix(string(head), "SQLite format 3\x00"))
			entries, err := os.ReadDir(dir)
			require.NoError(t, err)
			for _, e := range entries {
				require.True(t, strings.HasPrefix(e.Name(), name), "a file beside the database: %q", e.Name())
			}
		})
	}
}

func TestDirectoryRefused(t *testing.T) {
	dir := t.TempDir()
	_, err := sqlitestore.Open(dir, nil)
	require.ErrorContains(t, err, "is a directory")
}

// A symbolic link names the same database: opening it while the file is
// open is refused as opening the file itself is.
func TestSecondOpenThroughASymlinkRefused(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "state.db")
	s, err := sqlitestore.Open(path, nil)
	require.NoError(t, err)
	defer s.Close()
	link := filepath.Join(dir, "link.db")
	require.NoError(t, os.Symlink(path, link))
	_, err = sqlitestore.Open(link, nil)
	require.ErrorContains(t, err, "another process has")
}
