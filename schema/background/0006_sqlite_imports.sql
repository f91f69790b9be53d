-- background: the rows `dbctl import-sqlite` has copied from a SQLite shared_state.db, by source
-- table and rowid, so running the import again copies nothing twice (agentdb/import_sqlite.py).

CREATE TABLE background.sqlite_imports (
    source text NOT NULL CHECK (length(source) BETWEEN 1 AND 255),
    source_table text NOT NULL CHECK (length(source_table) BETWEEN 1 AND 63),
    source_rowid bigint NOT NULL,
    imported_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (source, source_table, source_rowid)
);

COMMENT ON TABLE background.sqlite_imports IS
'Rows imported from a SQLite shared state by dbctl import-sqlite: source label (the file''s name
unless given), table and rowid. Not in the spec; makes the import idempotent.';
