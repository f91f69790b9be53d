-- memory: the audit triggers (schema/memory/0009_audit_log.sql). One AFTER ... FOR EACH STATEMENT
-- trigger per operation and table, reading the statement's transition tables, so a statement that
-- changes 10,000 rows writes its audit rows in one INSERT. Every table of the memory schema gets
-- them, except the audit log itself. The DO block below finds the tables in the catalog; it runs
-- when this file changes, so a migration that adds a table adds it to this list too (and
-- tests/memory/01_structure.sql fails for a table without the triggers): users, workspaces,
-- channels, agents, agent_datastores, chat_messages, conversation_sessions, chat_messages_v2,
-- message_versions, agent_memories, memory_consolidations, agent_states, state_checkpoints,
-- state_transitions, context_snapshots, context_templates, message_id_map, messages_v2_migration,
-- user_pii.
-- The key columns each trigger records are the table's primary key when this file runs: a migration
-- that changes a primary key (schema/memory/0014 and 0015: agent_id, session_id and channel_id
-- joined them) changes this file too, so the triggers follow.
-- The log is append-only: an UPDATE or DELETE of its rows is refused for every role.

CREATE OR REPLACE FUNCTION memory.audit_changes()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_key text;
    v_join text;
    v_columns text;
BEGIN
    -- TG_ARGV: the primary key columns of the table.
    SELECT string_agg(format('%L, r.%I', k, k), ', '), string_agg(format('o.%I = r.%I', k, k), ' AND ')
    INTO v_key, v_join
    FROM unnest(TG_ARGV) AS k;
    -- The changed columns, compared column by column: no row is converted to JSON, which for an
    -- embedding would format all its floats (recall updates 10 memories: 15 ms that way, not 1).
    -- The equality of an extension's type (vector) is in the type's schema, named explicitly.
    SELECT string_agg(format(
               CASE WHEN TG_OP = 'INSERT' THEN 'CASE WHEN r.%1$I IS NOT NULL THEN %1$L END'
                    WHEN t.typnamespace = 'pg_catalog'::regnamespace
                    THEN 'CASE WHEN r.%1$I IS DISTINCT FROM o.%1$I THEN %1$L END'
                    ELSE 'CASE WHEN CASE WHEN r.%1$I IS NULL OR o.%1$I IS NULL THEN (r.%1$I IS NULL) <> (o.%1$I IS NULL)
                                         ELSE NOT r.%1$I OPERATOR(%2$I.=) o.%1$I END THEN %1$L END' END,
               a.attname, n.nspname),
           ', ' ORDER BY a.attnum)
    INTO v_columns
    FROM pg_attribute AS a
    INNER JOIN pg_type AS t ON a.atttypid = t.oid
    INNER JOIN pg_namespace AS n ON t.typnamespace = n.oid
    WHERE a.attrelid = TG_RELID AND a.attnum > 0 AND NOT a.attisdropped;
    EXECUTE format(
        'INSERT INTO memory.audit_log (table_name, row_key, operation, changed_columns, acting_role, app_user_id,
                                       app_agent_id)
         SELECT %L, jsonb_build_object(%s), %L, %s, $1, $2, $3 FROM %s',
        TG_TABLE_NAME, v_key, TG_OP,
        CASE WHEN TG_OP = 'DELETE' THEN 'NULL::text[]'
             ELSE format('array_remove(ARRAY[%s]::text[], NULL)', v_columns) END,
        CASE TG_OP
            WHEN 'INSERT' THEN 'new_rows AS r'
            WHEN 'UPDATE' THEN 'new_rows AS r INNER JOIN old_rows AS o ON ' || v_join
            ELSE 'old_rows AS r' END
    ) USING core.calling_role(), memory.current_user_id(), memory.current_agent_id();
    RETURN NULL;
END
$$;

COMMENT ON FUNCTION memory.audit_changes() IS
'Statement trigger: writes one memory.audit_log row per row the statement inserted, updated or deleted
(key and changed column names, acting role, user and agent). Arguments: the table''s key columns.';

CREATE OR REPLACE FUNCTION memory.refuse_audit_change()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    RAISE EXCEPTION USING ERRCODE = 'insufficient_privilege', MESSAGE = 'the audit log is append-only',
        HINT = 'Old months leave by dropping their partition (core maintenance), never by UPDATE or DELETE.';
END
$$;

COMMENT ON FUNCTION memory.refuse_audit_change() IS 'Trigger: refuses UPDATE and DELETE of audit log rows.';

CREATE OR REPLACE TRIGGER audit_log_append_only
BEFORE UPDATE OR DELETE ON memory.audit_log
FOR EACH ROW EXECUTE FUNCTION memory.refuse_audit_change();

DO $audit$
DECLARE
    v_table record;
    v_op text;
BEGIN
    FOR v_table IN
        SELECT c.oid::regclass AS rel, c.relname,
               (SELECT array_agg(a.attname::text ORDER BY k.ord)
                FROM pg_index AS i
                CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k (attnum, ord)
                INNER JOIN pg_attribute AS a ON a.attrelid = c.oid AND a.attnum = k.attnum
                WHERE i.indrelid = c.oid AND i.indisprimary) AS key_columns
        FROM pg_class AS c
        WHERE c.relnamespace = 'memory'::regnamespace AND c.relkind IN ('r', 'p') AND NOT c.relispartition
          AND c.relname <> 'audit_log'
    LOOP
        FOREACH v_op IN ARRAY ARRAY['insert', 'update', 'delete'] LOOP
            EXECUTE format(
                'CREATE OR REPLACE TRIGGER %I AFTER %s ON %s REFERENCING %s TABLE AS %s_rows '
                'FOR EACH STATEMENT EXECUTE FUNCTION memory.audit_changes(%s)',
                'zz_audit_' || v_op, upper(v_op), v_table.rel,
                CASE v_op WHEN 'insert' THEN 'NEW' WHEN 'update' THEN 'OLD TABLE AS old_rows NEW' ELSE 'OLD' END,
                CASE v_op WHEN 'delete' THEN 'old' ELSE 'new' END,
                (SELECT string_agg(format('%L', k), ', ') FROM unnest(v_table.key_columns) AS k)
            );
        END LOOP;
    END LOOP;
END
$audit$;

REVOKE ALL ON FUNCTION memory.audit_changes(), memory.refuse_audit_change() FROM PUBLIC;
