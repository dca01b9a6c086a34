package sqlitestore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/durablefn/inngest/devserver/store"
)

// Load implements store.Store.
func (s *Store) Load(ctx context.Context) (*store.Snapshot, error) {
	if err := s.open(); err != nil {
		return nil, err
	}
	snap := &store.Snapshot{}
	for _, load := range []func(context.Context, *sql.DB, *store.Snapshot) error{
		loadEvents, loadRuns, loadSteps, loadTimeline, loadApps, loadKV,
	} {
		if err := load(ctx, s.db, snap); err != nil {
			return nil, fmt.Errorf("sqlitestore: load: %w", err)
		}
	}
	return snap, nil
}

// query runs q and scans each row with scan.
func query(ctx context.Context, db *sql.DB, q string, scan func(*sql.Rows) error) error {
	rows, err := db.QueryContext(ctx, q)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := scan(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

func loadEvents(ctx context.Context, db *sql.DB, snap *store.Snapshot) error {
	return query(ctx, db, `SELECT id, seq, key, name, data, received_at FROM events ORDER BY seq`, func(r *sql.Rows) error {
		var e store.Event
		var seq, at int64
		if err := r.Scan(&e.ID, &seq, &e.Key, &e.Name, &e.Data, &at); err != nil {
			return err
		}
		e.Seq, e.ReceivedAt = uint64(seq), fromNanos(at)
		snap.Events = append(snap.Events, e)
		return nil
	})
}

func loadRuns(ctx context.Context, db *sql.DB, snap *store.Snapshot) error {
	q := `SELECT id, function_id, event_ids, events, status, created_at, ended_at, state FROM runs ORDER BY id`
	return query(ctx, db, q, func(r *sql.Rows) error {
		var run store.Run
		var ids string
		var created int64
		var ended sql.NullInt64
		if err := r.Scan(&run.ID, &run.FunctionID, &ids, &run.Events, &run.Status, &created, &ended, &run.State); err != nil {
			return err
		}
		if err := json.Unmarshal([]byte(ids), &run.EventIDs); err != nil {
			return fmt.Errorf("run %s: event_ids: %w", run.ID, err)
		}
		run.CreatedAt, run.EndedAt = fromNanos(created), fromNanos(ended.Int64)
		snap.Runs = append(snap.Runs, run)
		return nil
	})
}

func loadSteps(ctx context.Context, db *sql.DB, snap *store.Snapshot) error {
	return query(ctx, db, `SELECT run_id, idx, step_id, value FROM steps ORDER BY run_id, idx`, func(r *sql.Rows) error {
		var st store.Step
		if err := r.Scan(&st.RunID, &st.Index, &st.StepID, &st.Value); err != nil {
			return err
		}
		snap.Steps = append(snap.Steps, st)
		return nil
	})
}

func loadTimeline(ctx context.Context, db *sql.DB, snap *store.Snapshot) error {
	return query(ctx, db, `SELECT run_id, idx, at, kind, data FROM timeline ORDER BY run_id, idx`, func(r *sql.Rows) error {
		var t store.TimelineEntry
		var at int64
		if err := r.Scan(&t.RunID, &t.Index, &at, &t.Kind, &t.Data); err != nil {
			return err
		}
		t.At = fromNanos(at)
		snap.Timeline = append(snap.Timeline, t)
		return nil
	})
}

func loadApps(ctx context.Context, db *sql.DB, snap *store.Snapshot) error {
	return query(ctx, db, `SELECT id, url, config FROM apps ORDER BY id`, func(r *sql.Rows) error {
		var a store.App
		if err := r.Scan(&a.ID, &a.URL, &a.Config); err != nil {
			return err
		}
		snap.Apps = append(snap.Apps, a)
		return nil
	})
}

func loadKV(ctx context.Context, db *sql.DB, snap *store.Snapshot) error {
	return query(ctx, db, `SELECT kind, key, value FROM kv ORDER BY kind, key`, func(r *sql.Rows) error {
		var kv store.KV
		if err := r.Scan(&kv.Kind, &kv.Key, &kv.Value); err != nil {
			return err
		}
		snap.KV = append(snap.KV, kv)
		return nil
	})
}
