-- memory: the audit log (spec 004 "Audit Logging: all modifications tracked"). One row per modified
-- row of every memory table: table, key, operation, changed columns, the acting role and the
-- application's acting user / agent (settings agentdb.user_id / agentdb.agent_id), time and
-- transaction. It records which columns changed, never their values, so it holds no content: a
-- forgotten user (memory.forget_user) leaves only keys and a tombstone. Written only by the
-- statement-level audit triggers (functions/memory/audit.sql); the application can neither read
-- nor write it, and rows cannot be updated or deleted: old months go by dropping their partition
-- (partitions/memory/audit_log.sql, {{ memory_audit_retention_months }} months).

CREATE TABLE memory.audit_log (
    id bigint GENERATED ALWAYS AS IDENTITY,
    logged_at timestamptz NOT NULL DEFAULT now(),
    table_name text NOT NULL,
    row_key jsonb NOT NULL CHECK (jsonb_typeof(row_key) = 'object'),
    operation text NOT NULL CHECK (operation IN ('INSERT', 'UPDATE', 'DELETE', 'FORGET')),
    changed_columns text[],
    acting_role text NOT NULL,
    app_user_id uuid,
    app_agent_id uuid,
    transaction_id bigint NOT NULL DEFAULT txid_current(),
    PRIMARY KEY (id, logged_at)
) PARTITION BY RANGE (logged_at);

COMMENT ON TABLE memory.audit_log IS
'Append-only record of every modification of the memory tables (keys and changed column names, no
values), monthly partitions kept {{ memory_audit_retention_months }} months.';
COMMENT ON COLUMN memory.audit_log.row_key IS 'The primary key of the modified row, as a JSON object.';
COMMENT ON COLUMN memory.audit_log.changed_columns IS
'INSERT: the columns given a value; UPDATE: the columns whose value changed; DELETE: NULL.';
COMMENT ON COLUMN memory.audit_log.acting_role IS 'The database role that made the change (SET ROLE, else the login).';
COMMENT ON COLUMN memory.audit_log.app_user_id IS 'The application''s acting user (agentdb.user_id) at the time.';
COMMENT ON COLUMN memory.audit_log.operation IS 'INSERT, UPDATE, DELETE, or FORGET: the tombstone of memory.forget_user.';

CREATE INDEX audit_log_row ON memory.audit_log (table_name, row_key);
CREATE INDEX audit_log_user ON memory.audit_log (app_user_id, logged_at) WHERE app_user_id IS NOT NULL;

REVOKE ALL ON memory.audit_log FROM {{ app_role }};
