// Package sqlitestore is a store.Store that keeps the embedded
// orchestrator's state in a SQLite file, through a pure-Go driver (no cgo).
//
// The database runs in WAL mode with synchronous=NORMAL: a transaction is
// in the write-ahead log once Apply returns, so it survives the process
// being killed at any moment; after a power loss or an operating-system
// crash the last transactions may be lost but the file stays consistent
// (set Opts.Sync for fsync on every commit). The orchestrator groups its
// changes, so one transaction carries the work of many calls.
//
// The schema is versioned (PRAGMA user_version) and migrated forward on
// Open; docs/STORE.md describes it for those who query it with the
// sqlite3 shell, which may read the file while the orchestrator runs.
package sqlitestore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sync"

	"github.com/durablefn/inngest/devserver/store"

	_ "modernc.org/sqlite" // the driver, registered as "sqlite"
)

// Opts tunes Open. A nil *Opts is valid.
type Opts struct {
	// Sync makes every commit wait for fsync (synchronous=FULL), which
	// also survives a power loss, at the cost of throughput.
	Sync bool
}

// Store is a SQLite store. Create it with Open.
type Store struct {
	db   *sql.DB
	lock *fileLock

	mu     sync.Mutex
	closed bool
}

// Open opens (creating it if needed) the database at path and migrates
// its schema. Only one process may have a file open: a second Open of it
// fails while the first holds it.
func Open(path string, opts *Opts) (*Store, error) {
	if path == "" {
		return nil, errors.New("sqlitestore: no database path")
	}
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		return nil, fmt.Errorf("sqlitestore: %s is a directory: name a file in it", path)
	}
	// The lock is beside the file itself, so that a symbolic link to an
	// open database is refused too.
	real := path
	if p, err := filepath.EvalSymlinks(path); err == nil {
		real = p
	}
	lock, err := lockFile(real + ".lock")
	if err != nil {
		return nil, err
	}
	sync := "NORMAL"
	if opts != nil && opts.Sync {
		sync = "FULL"
	}
	q := url.Values{}
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous("+sync+")")
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_txlock", "immediate")
	db, err := sql.Open("sqlite", "file:"+uriPath(path)+"?"+q.Encode())
	if err != nil {
		lock.release()
		return nil, fmt.Errorf("sqlitestore: opening %s: %w", path, err)
	}
	// One connection: writes are serial anyway, and the orchestrator
	// groups them.
	db.SetMaxOpenConns(1)
	s := &Store{db: db, lock: lock}
	if err := s.migrate(context.Background()); err != nil {
		_ = s.Close()
		return nil, fmt.Errorf("sqlitestore: %s: %w", path, err)
	}
	return s, nil
}

// uriPath escapes a file path for a SQLite URI, in which ?, # and %
// would otherwise start the query, end the path or decode to another
// name, and a leading "//" would start an authority: a path names the
// file it spells.
func uriPath(path string) string {
	return (&url.URL{Path: filepath.ToSlash(filepath.Clean(path))}).EscapedPath()
}

// migrate brings the schema to the latest version.
func (s *Store) migrate(ctx context.Context) error {
	var v int
	if err := s.db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
		return fmt.Errorf("not a SQLite database, or unreadable: %w", err)
	}
	if v > len(migrations) {
		return fmt.Errorf("schema version %d is newer than this program knows (%d): use a newer version", v, len(migrations))
	}
	for ; v < len(migrations); v++ {
		tx, err := s.db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, migrations[v]); err != nil {
			_ = tx.Rollback()
			return fmt.Errorf("migrating to version %d: %w", v+1, err)
		}
		if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", v+1)); err != nil {
			_ = tx.Rollback()
			return err
		}
		if err := tx.Commit(); err != nil {
			return err
		}
	}
	return nil
}

// Close closes the database.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	err := s.db.Close()
	s.lock.release()
	return err
}

func (s *Store) open() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return store.ErrClosed
	}
	return nil
}

var _ store.Store = (*Store)(nil)
