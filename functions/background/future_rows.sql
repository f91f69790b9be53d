-- background: the time series refuse rows dated more than {{ background_future_seconds }} s after now()
-- (SQLSTATE 22023), whoever inserts them: one agent with a wrong clock must not make the partition
-- manager create partitions years ahead (a row beyond the made partitions waits in the default
-- partition, and maintenance makes its partition). A statement trigger reads the inserted rows once
-- (transition table), so a COPY of 100,000 heartbeats pays one pass, not 100,000 calls.

CREATE OR REPLACE FUNCTION background.refuse_future_rows()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_latest timestamptz;
BEGIN
    SELECT max(n.timestamp) INTO v_latest FROM new_rows AS n;
    IF v_latest > now() + interval '{{ background_future_seconds }} seconds' THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = format('a row of %s.%s is dated %s, more than {{ background_future_seconds }} s after now()',
                             TG_TABLE_SCHEMA, TG_TABLE_NAME, v_latest),
            HINT = 'Check the client''s clock; the limit is the template variable background_future_seconds.';
    END IF;
    RETURN NULL;
END
$$;

COMMENT ON FUNCTION background.refuse_future_rows() IS
'AFTER INSERT statement trigger on the time series: refuses the statement (22023) when a row is dated
more than {{ background_future_seconds }} s after now().';

REVOKE ALL ON FUNCTION background.refuse_future_rows() FROM PUBLIC;

CREATE OR REPLACE TRIGGER agent_heartbeats_not_future AFTER INSERT ON background.agent_heartbeats
REFERENCING NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION background.refuse_future_rows();

CREATE OR REPLACE TRIGGER performance_metrics_not_future AFTER INSERT ON background.performance_metrics
REFERENCING NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION background.refuse_future_rows();

CREATE OR REPLACE TRIGGER system_events_not_future AFTER INSERT ON background.system_events
REFERENCING NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION background.refuse_future_rows();

CREATE OR REPLACE TRIGGER llm_conversations_not_future AFTER INSERT ON background.llm_conversations
REFERENCING NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION background.refuse_future_rows();
