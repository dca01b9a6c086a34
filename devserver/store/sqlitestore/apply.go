package sqlitestore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/durablefn/inngest/devserver/store"
)

// The statements Apply runs, one per kind of row.
const (
	sqlPutEvent = `INSERT INTO events (id, seq, key, name, data, received_at) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, key = excluded.key, name = excluded.name,
		data = excluded.data, received_at = excluded.received_at`
	sqlPutRun = `INSERT INTO runs (id, function_id, event_ids, events, status, created_at, ended_at, state)
		VALUES (?, ?, ?, COALESCE(?, X''), ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET function_id = excluded.function_id, event_ids = excluded.event_ids,
		events = CASE WHEN ?4 IS NULL THEN runs.events ELSE excluded.events END,
		status = excluded.status, created_at = excluded.created_at, ended_at = excluded.ended_at, state = excluded.state`
	sqlPutRunEvent = `INSERT OR IGNORE INTO run_events (event_id, run_id) VALUES (?, ?)`
	sqlPutStep     = `INSERT OR REPLACE INTO steps (run_id, idx, step_id, value) VALUES (?, ?, ?, ?)`
	sqlPutTimeline = `INSERT OR REPLACE INTO timeline (run_id, idx, at, kind, data) VALUES (?, ?, ?, ?, ?)`
	sqlPutApp      = `INSERT OR REPLACE INTO apps (id, url, config) VALUES (?, ?, ?)`
	sqlPutKV       = `INSERT OR REPLACE INTO kv (kind, key, value) VALUES (?, ?, ?)`
)

// Apply implements store.Store: c in one transaction.
func (s *Store) Apply(ctx context.Context, c *store.Change) error {
	if err := c.Validate(); err != nil {
		return err
	}
	if err := s.open(); err != nil {
		return err
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlitestore: %w", err)
	}
	if err := apply(ctx, tx, c); err != nil {
		_ = tx.Rollback()
		return fmt.Errorf("sqlitestore: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlitestore: commit: %w", err)
	}
	return nil
}

func apply(ctx context.Context, tx *sql.Tx, c *store.Change) error {
	for _, step := range []func(context.Context, *sql.Tx, *store.Change) error{
		putEvents, putRuns, putSteps, putTimeline, putApps, putKV, drops,
	} {
		if err := step(ctx, tx, c); err != nil {
			return err
		}
	}
	return nil
}

// each prepares query once in tx and runs it for every element of rows.
func each[T any](ctx context.Context, tx *sql.Tx, query string, rows []T, args func(*T) []any) error {
	if len(rows) == 0 {
		return nil
	}
	st, err := tx.PrepareContext(ctx, query)
	if err != nil {
		return err
	}
	defer st.Close()
	for i := range rows {
		if _, err := st.ExecContext(ctx, args(&rows[i])...); err != nil {
			return err
		}
	}
	return nil
}

func putEvents(ctx context.Context, tx *sql.Tx, c *store.Change) error {
	return each(ctx, tx, sqlPutEvent, c.Events, func(e *store.Event) []any {
		return []any{e.ID, int64(e.Seq), e.Key, e.Name, blob(e.Data), nanos(e.ReceivedAt)}
	})
}

func putRuns(ctx context.Context, tx *sql.Tx, c *store.Change) error {
	err := each(ctx, tx, sqlPutRun, c.Runs, func(r *store.Run) []any {
		ids, _ := json.Marshal(r.EventIDs)
		var events any
		if r.Events != nil {
			events = r.Events
		}
		return []any{r.ID, r.FunctionID, string(ids), events, r.Status, nanos(r.CreatedAt), nullNanos(r.EndedAt), blob(r.State)}
	})
	if err != nil {
		return err
	}
	var links [][2]string
	for _, r := range c.Runs {
		if r.Events == nil {
			continue // written with the run's first row
		}
		for _, id := range r.EventIDs {
			links = append(links, [2]string{id, r.ID})
		}
	}
	return each(ctx, tx, sqlPutRunEvent, links, func(l *[2]string) []any { return []any{l[0], l[1]} })
}

func putSteps(ctx context.Context, tx *sql.Tx, c *store.Change) error {
	return each(ctx, tx, sqlPutStep, c.Steps, func(s *store.Step) []any {
		return []any{s.RunID, s.Index, s.StepID, blob(s.Value)}
	})
}

func putTimeline(ctx context.Context, tx *sql.Tx, c *store.Change) error {
	return each(ctx, tx, sqlPutTimeline, c.Timeline, func(t *store.TimelineEntry) []any {
		return []any{t.RunID, t.Index, nanos(t.At), t.Kind, blob(t.Data)}
	})
}

func putApps(ctx context.Context, tx *sql.Tx, c *store.Change) error {
	return each(ctx, tx, sqlPutApp, c.Apps, func(a *store.App) []any { return []any{a.ID, a.URL, blob(a.Config)} })
}

func putKV(ctx context.Context, tx *sql.Tx, c *store.Change) error {
	return each(ctx, tx, sqlPutKV, c.KV, func(kv *store.KV) []any { return []any{kv.Kind, kv.Key, blob(kv.Value)} })
}

func drops(ctx context.Context, tx *sql.Tx, c *store.Change) error {
	if err := each(ctx, tx, `DELETE FROM events WHERE id = ?`, c.DropEvents, func(id *string) []any { return []any{*id} }); err != nil {
		return err
	}
	for _, q := range []string{
		`DELETE FROM runs WHERE id = ?`, `DELETE FROM steps WHERE run_id = ?`,
		`DELETE FROM timeline WHERE run_id = ?`, `DELETE FROM run_events WHERE run_id = ?`,
	} {
		if err := each(ctx, tx, q, c.DropRuns, func(id *string) []any { return []any{*id} }); err != nil {
			return err
		}
	}
	if err := each(ctx, tx, `DELETE FROM apps WHERE id = ?`, c.DropApps, func(id *string) []any { return []any{*id} }); err != nil {
		return err
	}
	return each(ctx, tx, `DELETE FROM kv WHERE kind = ? AND key = ?`, c.DropKV, func(k *store.KVKey) []any { return []any{k.Kind, k.Key} })
}

// blob keeps an empty value distinct from NULL, which the schema refuses.
func blob(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

// nanos stores a time as Unix nanoseconds; the zero time as 0.
func nanos(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

func nullNanos(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixNano()
}

func fromNanos(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}
