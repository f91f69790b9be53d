-- core: the schema and the migration ledger.
-- dbctl records every file it applies here, in the same transaction as the file itself, so the
-- ledger is never ahead of or behind the database. It must be the first file of the first module:
-- dbctl treats a database without this table as one where nothing is applied yet.

CREATE SCHEMA core;

COMMENT ON SCHEMA core IS
'agentdb core: migration ledger, shared helpers, partition manager, retention and maintenance.';

CREATE TABLE core.migration_ledger (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    module text NOT NULL,
    kind text NOT NULL CHECK (kind IN ('schema', 'functions', 'partitions', 'retention', 'views')),
    file text NOT NULL,
    version bigint CHECK ((kind = 'schema') = (version IS NOT NULL)),
    checksum text NOT NULL CHECK (checksum ~ '^[0-9a-f]{64}$'),
    applied_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    duration interval NOT NULL CHECK (duration >= interval '0'),
    applied_by text NOT NULL DEFAULT current_user
);

COMMENT ON TABLE core.migration_ledger IS
'One row per application of a migration file by dbctl (or by its rendered psql script). Versioned
files (kind schema) appear once; repeatable files again each time their rendered checksum changed.';
COMMENT ON COLUMN core.migration_ledger.file IS
'Path of the file relative to the project, e.g. schema/core/0001_ledger.sql.';
COMMENT ON COLUMN core.migration_ledger.checksum IS
'SHA-256 of the rendered SQL: a versioned file whose checksum changes after it was applied is drift.';
COMMENT ON COLUMN core.migration_ledger.duration IS
'Time the file took to apply (0 when applied through a rendered psql script).';

-- A versioned file is applied once, whatever happens concurrently.
CREATE UNIQUE INDEX migration_ledger_versioned_once
ON core.migration_ledger (module, file) WHERE kind = 'schema';

-- The latest row per file: what dbctl status and migrate read.
CREATE INDEX migration_ledger_latest ON core.migration_ledger (module, file, id DESC);
