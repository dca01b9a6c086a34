package sqlitestore

// migrations are the schema's versions, in order: migrations[i] takes a
// database from version i to i+1 (PRAGMA user_version). Never edit one
// that has shipped; append a new one. docs/STORE.md describes the schema.
var migrations = []string{
	// 1: the first schema.
	`
CREATE TABLE events (
	id          TEXT PRIMARY KEY,
	seq         INTEGER NOT NULL,
	key         TEXT NOT NULL,
	name        TEXT NOT NULL,
	data        BLOB NOT NULL,
	received_at INTEGER NOT NULL
);
CREATE INDEX events_name ON events (name, seq);

CREATE TABLE runs (
	id          TEXT PRIMARY KEY,
	function_id TEXT NOT NULL,
	event_ids   TEXT NOT NULL,
	events      BLOB NOT NULL,
	status      TEXT NOT NULL,
	created_at  INTEGER NOT NULL,
	ended_at    INTEGER,
	state       BLOB NOT NULL
);
CREATE INDEX runs_function ON runs (function_id, created_at);
CREATE INDEX runs_status ON runs (status, ended_at);

CREATE TABLE run_events (
	event_id TEXT NOT NULL,
	run_id   TEXT NOT NULL,
	PRIMARY KEY (event_id, run_id)
) WITHOUT ROWID;
CREATE INDEX run_events_run ON run_events (run_id);

CREATE TABLE steps (
	run_id  TEXT NOT NULL,
	idx     INTEGER NOT NULL,
	step_id TEXT NOT NULL,
	value   BLOB NOT NULL,
	PRIMARY KEY (run_id, idx)
) WITHOUT ROWID;

CREATE TABLE timeline (
	run_id TEXT NOT NULL,
	idx    INTEGER NOT NULL,
	at     INTEGER NOT NULL,
	kind   TEXT NOT NULL,
	data   BLOB NOT NULL,
	PRIMARY KEY (run_id, idx)
) WITHOUT ROWID;

CREATE TABLE apps (
	id     TEXT PRIMARY KEY,
	url    TEXT NOT NULL,
	config BLOB NOT NULL
);

CREATE TABLE kv (
	kind  TEXT NOT NULL,
	key   TEXT NOT NULL,
	value BLOB NOT NULL,
	PRIMARY KEY (kind, key)
) WITHOUT ROWID;
`,
}
