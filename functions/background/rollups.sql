-- background: the triggers that keep heartbeat_minutes, metric_minutes and metric_ten_minutes
-- (schema 0010, 0011). One statement over the inserted rows per insert statement (transition table;
-- a row trigger on a Citus cluster), one upsert per agent (and metric) and minute, in key order so
-- concurrent batches cannot deadlock. Any timestamp counts, late and backdated rows included: the
-- rollups hold exactly the raw rows of their minutes. Definer functions: the inserting role needs no
-- rights on the rollups.
--   heartbeats: background.track_last_heartbeat (functions/background/agent_triggers.sql) rolls them
--     up, by minute and by ten seconds of the minute (schema 0014), in the statement before the one
--     that moves the agents' last heartbeat; roll_up_heartbeats is the row trigger a Citus cluster
--     uses instead.
--   metrics: roll_up_metrics, both tiers in one statement, which also refuses rows dated beyond the
--     future horizon (the other time series have background.refuse_future_rows for that).

CREATE OR REPLACE FUNCTION background.roll_up_heartbeats()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_minute constant timestamptz := date_bin('1 minute', NEW.timestamp, '2000-01-01+00');
    v_part constant integer := extract(epoch FROM date_bin('10 seconds', NEW.timestamp, '2000-01-01+00') - v_minute)::integer / 10;
BEGIN
    INSERT INTO background.heartbeat_minutes AS m (agent_id, minute, heartbeats, s00, s10, s20, s30, s40, s50)
    VALUES (NEW.agent_id, v_minute, 1, (v_part = 0)::integer, (v_part = 1)::integer, (v_part = 2)::integer,
            (v_part = 3)::integer, (v_part = 4)::integer, (v_part = 5)::integer)
    ON CONFLICT (minute, agent_id) DO UPDATE
    SET heartbeats = m.heartbeats + 1, s00 = m.s00 + excluded.s00, s10 = m.s10 + excluded.s10,
        s20 = m.s20 + excluded.s20, s30 = m.s30 + excluded.s30, s40 = m.s40 + excluded.s40,
        s50 = m.s50 + excluded.s50;
    RETURN NULL;
END
$$;

COMMENT ON FUNCTION background.roll_up_heartbeats() IS
'AFTER INSERT row trigger on agent_heartbeats on a Citus cluster: adds the heartbeat to
heartbeat_minutes (elsewhere background.track_last_heartbeat does, for the whole statement).';

REVOKE ALL ON FUNCTION background.roll_up_heartbeats() FROM PUBLIC;

CREATE OR REPLACE FUNCTION background.roll_up_metrics()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_latest timestamptz;
BEGIN
    IF TG_LEVEL = 'ROW' THEN  -- on Citus
        INSERT INTO background.metric_minutes AS m (agent_id, metric_name, minute, samples, valued, total, maximum)
        VALUES (NEW.agent_id, NEW.metric_name, date_bin('1 minute', NEW.timestamp, '2000-01-01+00'), 1,
                (NEW.value IS NOT NULL)::int, NEW.value, NEW.value)
        ON CONFLICT (minute, agent_id, metric_name) DO UPDATE
        SET samples = m.samples + 1, valued = m.valued + excluded.valued,
            total = CASE WHEN excluded.total IS NULL THEN m.total ELSE coalesce(m.total, 0) + excluded.total END,
            maximum = greatest(m.maximum, excluded.maximum);
        INSERT INTO background.metric_ten_minutes AS m (agent_id, metric_name, minute, samples, valued, total, maximum)
        VALUES (NEW.agent_id, NEW.metric_name, date_bin('10 minutes', NEW.timestamp, '2000-01-01+00'), 1,
                (NEW.value IS NOT NULL)::int, NEW.value, NEW.value)
        ON CONFLICT (minute, agent_id, metric_name) DO UPDATE
        SET samples = m.samples + 1, valued = m.valued + excluded.valued,
            total = CASE WHEN excluded.total IS NULL THEN m.total ELSE coalesce(m.total, 0) + excluded.total END,
            maximum = greatest(m.maximum, excluded.maximum);
        RETURN NULL;
    END IF;
    WITH minutes AS (
        INSERT INTO background.metric_minutes AS m (agent_id, metric_name, minute, samples, valued, total, maximum)
        SELECT p.agent_id, p.metric_name, date_bin('1 minute', p.timestamp, '2000-01-01+00') AS minute,
               count(*), count(p.value), sum(p.value), max(p.value)
        FROM new_rows AS p GROUP BY 3, 1, 2 ORDER BY 3, 1, 2
        ON CONFLICT (minute, agent_id, metric_name) DO UPDATE
        SET samples = m.samples + excluded.samples, valued = m.valued + excluded.valued,
            total = CASE WHEN excluded.total IS NULL THEN m.total ELSE coalesce(m.total, 0) + excluded.total END,
            maximum = greatest(m.maximum, excluded.maximum)
    ),

    tens AS (
        INSERT INTO background.metric_ten_minutes AS m (agent_id, metric_name, minute, samples, valued, total, maximum)
        SELECT p.agent_id, p.metric_name, date_bin('10 minutes', p.timestamp, '2000-01-01+00') AS minute,
               count(*), count(p.value), sum(p.value), max(p.value)
        FROM new_rows AS p GROUP BY 3, 1, 2 ORDER BY 3, 1, 2
        ON CONFLICT (minute, agent_id, metric_name) DO UPDATE
        SET samples = m.samples + excluded.samples, valued = m.valued + excluded.valued,
            total = CASE WHEN excluded.total IS NULL THEN m.total ELSE coalesce(m.total, 0) + excluded.total END,
            maximum = greatest(m.maximum, excluded.maximum)
    )

    SELECT max(p.timestamp) INTO v_latest FROM new_rows AS p;
    IF v_latest > now() + interval '{{ background_future_seconds }} seconds' THEN
        PERFORM background.refuse_future(v_latest, 'background.performance_metrics');
    END IF;
    RETURN NULL;
END
$$;

COMMENT ON FUNCTION background.roll_up_metrics() IS
'AFTER INSERT trigger on performance_metrics: adds the inserted samples to metric_minutes and
metric_ten_minutes and, as a statement trigger, refuses rows dated beyond the future horizon (22023)
in the same pass (a row trigger on a Citus cluster, where performance_metrics_not_future refuses them).';

REVOKE ALL ON FUNCTION background.roll_up_metrics() FROM PUBLIC;

DO $trigger$
BEGIN
    IF EXISTS (SELECT FROM pg_catalog.pg_extension WHERE extname = 'citus') THEN
        CREATE OR REPLACE TRIGGER agent_heartbeats_rollup AFTER INSERT ON background.agent_heartbeats
        FOR EACH ROW EXECUTE FUNCTION background.roll_up_heartbeats();
        CREATE OR REPLACE TRIGGER performance_metrics_rollup AFTER INSERT ON background.performance_metrics
        FOR EACH ROW EXECUTE FUNCTION background.roll_up_metrics();
    ELSE
        -- agent_heartbeats_last rolls heartbeats up (the rollup had a trigger of its own).
        DROP TRIGGER IF EXISTS agent_heartbeats_rollup ON background.agent_heartbeats;
        CREATE OR REPLACE TRIGGER performance_metrics_rollup AFTER INSERT ON background.performance_metrics
        REFERENCING NEW TABLE AS new_rows
        FOR EACH STATEMENT EXECUTE FUNCTION background.roll_up_metrics();
    END IF;
END
$trigger$;

COMMENT ON TABLE background.heartbeat_minutes IS
'Heartbeats per agent and minute (minute = date_bin(1 minute, timestamp, 2000-01-01 UTC)), kept by the
agent_heartbeats_last trigger (agent_heartbeats_rollup on a Citus cluster); two days.';
