-- background: the time series refuse rows dated more than {{ background_future_seconds }} s after now()
-- (SQLSTATE 22023), whoever inserts them: one agent with a wrong clock must not make the partition
-- manager create partitions years ahead (a row beyond the made partitions waits in the default
-- partition, and maintenance makes its partition). A statement trigger reads the inserted rows once
-- (transition table), so a COPY of 100,000 rows pays one pass, not 100,000 calls. On agent_heartbeats
-- the same pass is made by agent_heartbeats_last (functions/background/agent_triggers.sql), on
-- performance_metrics by its rollup trigger (functions/background/rollups.sql).

CREATE OR REPLACE FUNCTION background.refuse_future(p_latest timestamptz, p_table text)
RETURNS void
LANGUAGE plpgsql
STABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF p_latest > now() + interval '{{ background_future_seconds }} seconds' THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = format('a row of %s is dated %s, more than {{ background_future_seconds }} s after now()',
                             p_table, p_latest),
            HINT = 'Check the client''s clock; the limit is the template variable background_future_seconds.';
    END IF;
END
$$;

COMMENT ON FUNCTION background.refuse_future(timestamptz, text) IS
'Raises 22023 when p_latest (the newest time of an insert into p_table) is more than
{{ background_future_seconds }} s after now().';

REVOKE ALL ON FUNCTION background.refuse_future(timestamptz, text) FROM PUBLIC;
-- Called by the insert triggers, so with the rights of whoever inserts.
GRANT EXECUTE ON FUNCTION background.refuse_future(timestamptz, text) TO {{ app_role }}, {{ background_agents_role }};

CREATE OR REPLACE FUNCTION background.refuse_future_rows()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM background.refuse_future((SELECT max(n.timestamp) FROM new_rows AS n), TG_TABLE_SCHEMA || '.' || TG_TABLE_NAME);
    RETURN NULL;
END
$$;

COMMENT ON FUNCTION background.refuse_future_rows() IS
'AFTER INSERT statement trigger on the time series: refuses the statement (22023) when a row is dated
more than {{ background_future_seconds }} s after now().';

REVOKE ALL ON FUNCTION background.refuse_future_rows() FROM PUBLIC;

DROP TRIGGER IF EXISTS agent_heartbeats_not_future ON background.agent_heartbeats;

-- performance_metrics: its rollup trigger (functions/background/rollups.sql) makes the check in its own
-- pass, except on a Citus cluster, where the rollup is a row trigger.
DO $trigger$
BEGIN
    IF EXISTS (SELECT FROM pg_catalog.pg_extension WHERE extname = 'citus') THEN
        CREATE OR REPLACE TRIGGER performance_metrics_not_future AFTER INSERT ON background.performance_metrics
        REFERENCING NEW TABLE AS new_rows
        FOR EACH STATEMENT EXECUTE FUNCTION background.refuse_future_rows();
    ELSE
        DROP TRIGGER IF EXISTS performance_metrics_not_future ON background.performance_metrics;
    END IF;
END
$trigger$;

CREATE OR REPLACE TRIGGER system_events_not_future AFTER INSERT ON background.system_events
REFERENCING NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION background.refuse_future_rows();

CREATE OR REPLACE TRIGGER llm_conversations_not_future AFTER INSERT ON background.llm_conversations
REFERENCING NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION background.refuse_future_rows();
