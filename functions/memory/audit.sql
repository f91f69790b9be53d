-- memory: the audit triggers (schema/memory/0009_audit_log.sql). One AFTER ... FOR EACH STATEMENT
-- trigger per operation and table, reading the statement's transition tables, so a statement that
-- changes 10,000 rows writes its audit rows in one INSERT. Every table of the memory schema gets
-- them, except the audit log itself and memory_accesses (schema/memory/0019: recall's pending
-- accesses, unlogged; each becomes an audited UPDATE of agent_memories when folded). The DO block
-- below finds the tables in the catalog; it runs when this file changes, so a migration that adds a table adds it to this list too (and
-- tests/memory/01_structure.sql fails for a table without the triggers): users, workspaces,
-- channels, agents, agent_datastores, chat_messages, conversation_sessions, chat_messages_v2,
-- message_versions, agent_memories, memory_consolidations, agent_states, state_checkpoints,
-- state_transitions, context_snapshots, context_templates, message_id_map, messages_v2_migration,
-- user_pii.
-- Each table's trigger function (memory.audit_<table>) is generated with the table's primary key and
-- columns as they are when this file runs: a migration that changes a primary key (schema/memory/0014
-- and 0015: agent_id, session_id and channel_id joined them) or adds a column changes this file too,
-- so the functions follow (tests/memory/01_structure.sql fails for a column its function misses).
-- The log is append-only: an UPDATE or DELETE of its rows is refused for every role.
-- Where the citus extension is installed the audit triggers are not made (and are dropped): on a
-- Citus cluster a trigger may write only rows on its own node (docs/scale-out.md).

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

-- One trigger function per table, generated here with its statements written out: PL/pgSQL keeps
-- their plans for the session, where one generic function would have to build and plan its INSERT
-- for every statement it audits (0.7 ms of CPU each time, against 0.3: recall_memories pays it on
-- every call). The changed columns are compared column by column; no row is converted to JSON, which
-- for an embedding would format all its floats. The equality of an extension's type (vector) is the
-- one in the type's schema, named explicitly.
DO $audit$
DECLARE
    -- One audit INSERT, filled per table and operation: table, key, operation, changed columns, source.
    v_insert constant text := 'INSERT INTO memory.audit_log (table_name, row_key, operation, changed_columns, '
        'acting_role, app_user_id, app_agent_id) SELECT %L, jsonb_build_object(%s), %L, %s, core.calling_role(), '
        'memory.current_user_id(), memory.current_agent_id() FROM %s';
    v_table record;
    v_op text;
    v_function text;
    v_key text;
    v_same_row text;
    -- On a Citus cluster the triggers are not made (docs/scale-out.md, "What is still unsupported"):
    -- a trigger runs on the shard of the row it audits and may write only rows on that node, while
    -- the audit log is spread by its own id over every node.
    v_citus constant boolean := EXISTS (SELECT FROM pg_catalog.pg_extension WHERE extname = 'citus');
BEGIN
    FOR v_table IN
        SELECT c.oid::regclass AS rel, c.relname,
               (SELECT array_agg(a.attname::text ORDER BY k.ord)
                FROM pg_index AS i
                CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k (attnum, ord)
                INNER JOIN pg_attribute AS a ON a.attrelid = c.oid AND a.attnum = k.attnum
                WHERE i.indrelid = c.oid AND i.indisprimary) AS key_columns,
               (SELECT string_agg(format('CASE WHEN r.%1$I IS NOT NULL THEN %1$L END', a.attname), ', '
                                  ORDER BY a.attnum)
                FROM pg_attribute AS a
                WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped) AS set_columns,
               (SELECT string_agg(format(
                           CASE WHEN t.typnamespace = 'pg_catalog'::regnamespace
                                THEN 'CASE WHEN r.%1$I IS DISTINCT FROM o.%1$I THEN %1$L END'
                                ELSE 'CASE WHEN CASE WHEN r.%1$I IS NULL OR o.%1$I IS NULL
                                                     THEN (r.%1$I IS NULL) <> (o.%1$I IS NULL)
                                                     ELSE NOT r.%1$I OPERATOR(%2$I.=) o.%1$I END THEN %1$L END' END,
                           a.attname, n.nspname), ', ' ORDER BY a.attnum)
                FROM pg_attribute AS a
                INNER JOIN pg_type AS t ON a.atttypid = t.oid
                INNER JOIN pg_namespace AS n ON t.typnamespace = n.oid
                WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped) AS changed_columns
        FROM pg_class AS c
        -- memory_archive: the v1 chat_messages once finish_messages_v2 has archived it, still audited
        WHERE c.relnamespace IN ('memory'::regnamespace, to_regnamespace('memory_archive'))
          AND c.relkind IN ('r', 'p') AND NOT c.relispartition AND c.relname NOT IN ('audit_log', 'memory_accesses')
    LOOP
        v_function := 'audit_' || v_table.relname;
        SELECT string_agg(format('%L, r.%I', k, k), ', '), string_agg(format('o.%I = r.%I', k, k), ' AND ')
        INTO v_key, v_same_row
        FROM unnest(v_table.key_columns) AS k;
        EXECUTE format(
            $function$
            CREATE OR REPLACE FUNCTION memory.%I()
            RETURNS trigger
            LANGUAGE plpgsql
            SECURITY DEFINER
            SET search_path = pg_catalog, pg_temp
            AS $body$
            BEGIN
                IF TG_OP = 'INSERT' THEN
                    %s;
                ELSIF TG_OP = 'UPDATE' THEN
                    %s;
                ELSE
                    %s;
                END IF;
                RETURN NULL;
            END
            $body$
            $function$,
            v_function,
            format(v_insert, v_table.relname, v_key, 'INSERT',
                   format('array_remove(ARRAY[%s]::text[], NULL)', v_table.set_columns), 'new_rows AS r'),
            format(v_insert, v_table.relname, v_key, 'UPDATE',
                   format('array_remove(ARRAY[%s]::text[], NULL)', v_table.changed_columns),
                   'new_rows AS r INNER JOIN old_rows AS o ON ' || v_same_row),
            format(v_insert, v_table.relname, v_key, 'DELETE', 'NULL', 'old_rows AS r')
        );
        EXECUTE format(
            'COMMENT ON FUNCTION memory.%I() IS %L', v_function,
            format('Statement trigger of memory.%s (generated by functions/memory/audit.sql): one memory.audit_log '
                   'row per row the statement inserted, updated or deleted (key, changed column names, acting '
                   'role, user and agent).', v_table.relname)
        );
        EXECUTE format('REVOKE ALL ON FUNCTION memory.%I() FROM PUBLIC', v_function);
        FOREACH v_op IN ARRAY ARRAY['insert', 'update', 'delete'] LOOP
            IF v_citus THEN
                EXECUTE format('DROP TRIGGER IF EXISTS %I ON %s', 'zz_audit_' || v_op, v_table.rel);
                CONTINUE;
            END IF;
            EXECUTE format(
                'CREATE OR REPLACE TRIGGER %I AFTER %s ON %s REFERENCING %s TABLE AS %s_rows '
                'FOR EACH STATEMENT EXECUTE FUNCTION memory.%I()',
                'zz_audit_' || v_op, upper(v_op), v_table.rel,
                CASE v_op WHEN 'insert' THEN 'NEW' WHEN 'update' THEN 'OLD TABLE AS old_rows NEW' ELSE 'OLD' END,
                CASE v_op WHEN 'delete' THEN 'old' ELSE 'new' END,
                v_function
            );
        END LOOP;
    END LOOP;
END
$audit$;

-- The generic function of the previous release, which the triggers above no longer call.
DROP FUNCTION IF EXISTS memory.audit_changes();

REVOKE ALL ON FUNCTION memory.refuse_audit_change() FROM PUBLIC;
