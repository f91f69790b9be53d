-- background: the triggers that keep heartbeat_minutes and metric_minutes (schema 0010) and their
-- trim. One pass over the inserted rows per statement (transition table; a row trigger on a Citus
-- cluster), one upsert per agent (and metric) and minute, in key order so concurrent batches cannot
-- deadlock. Any timestamp counts, late and backdated rows included: the rollups hold exactly the
-- raw rows of their minutes. Definer functions: the inserting role needs no rights on the rollups.

CREATE OR REPLACE FUNCTION background.roll_up_heartbeats()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF TG_LEVEL = 'ROW' THEN
        INSERT INTO background.heartbeat_minutes AS m (agent_id, minute, heartbeats)
        VALUES (NEW.agent_id, date_bin('1 minute', NEW.timestamp, '2000-01-01+00'), 1)
        ON CONFLICT (minute, agent_id) DO UPDATE SET heartbeats = m.heartbeats + 1;
        RETURN NULL;
    END IF;
    INSERT INTO background.heartbeat_minutes AS m (agent_id, minute, heartbeats)
    SELECT h.agent_id, date_bin('1 minute', h.timestamp, '2000-01-01+00') AS minute, count(*)
    FROM new_heartbeats AS h GROUP BY 2, 1 ORDER BY 2, 1
    ON CONFLICT (minute, agent_id) DO UPDATE SET heartbeats = m.heartbeats + excluded.heartbeats;
    RETURN NULL;
END
$$;

COMMENT ON FUNCTION background.roll_up_heartbeats() IS
'AFTER INSERT trigger on agent_heartbeats: adds the inserted heartbeats to heartbeat_minutes.';

REVOKE ALL ON FUNCTION background.roll_up_heartbeats() FROM PUBLIC;

CREATE OR REPLACE FUNCTION background.roll_up_metrics()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF TG_LEVEL = 'ROW' THEN
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
    INSERT INTO background.metric_minutes AS m (agent_id, metric_name, minute, samples, valued, total, maximum)
    SELECT p.agent_id, p.metric_name, date_bin('1 minute', p.timestamp, '2000-01-01+00') AS minute,
           count(*), count(p.value), sum(p.value), max(p.value)
    FROM new_rows AS p GROUP BY 3, 1, 2 ORDER BY 3, 1, 2
    ON CONFLICT (minute, agent_id, metric_name) DO UPDATE
    SET samples = m.samples + excluded.samples, valued = m.valued + excluded.valued,
        total = CASE WHEN excluded.total IS NULL THEN m.total ELSE coalesce(m.total, 0) + excluded.total END,
        maximum = greatest(m.maximum, excluded.maximum);
    INSERT INTO background.metric_ten_minutes AS m (agent_id, metric_name, minute, samples, valued, total, maximum)
    SELECT p.agent_id, p.metric_name, date_bin('10 minutes', p.timestamp, '2000-01-01+00') AS minute,
           count(*), count(p.value), sum(p.value), max(p.value)
    FROM new_rows AS p GROUP BY 3, 1, 2 ORDER BY 3, 1, 2
    ON CONFLICT (minute, agent_id, metric_name) DO UPDATE
    SET samples = m.samples + excluded.samples, valued = m.valued + excluded.valued,
        total = CASE WHEN excluded.total IS NULL THEN m.total ELSE coalesce(m.total, 0) + excluded.total END,
        maximum = greatest(m.maximum, excluded.maximum);
    RETURN NULL;
END
$$;

COMMENT ON FUNCTION background.roll_up_metrics() IS
'AFTER INSERT trigger on performance_metrics: adds the inserted samples to metric_minutes and
metric_ten_minutes.';

REVOKE ALL ON FUNCTION background.roll_up_metrics() FROM PUBLIC;

DO $trigger$
BEGIN
    IF EXISTS (SELECT FROM pg_catalog.pg_extension WHERE extname = 'citus') THEN
        CREATE OR REPLACE TRIGGER agent_heartbeats_rollup AFTER INSERT ON background.agent_heartbeats
        FOR EACH ROW EXECUTE FUNCTION background.roll_up_heartbeats();
        CREATE OR REPLACE TRIGGER performance_metrics_rollup AFTER INSERT ON background.performance_metrics
        FOR EACH ROW EXECUTE FUNCTION background.roll_up_metrics();
    ELSE
        CREATE OR REPLACE TRIGGER agent_heartbeats_rollup AFTER INSERT ON background.agent_heartbeats
        REFERENCING NEW TABLE AS new_heartbeats
        FOR EACH STATEMENT EXECUTE FUNCTION background.roll_up_heartbeats();
        CREATE OR REPLACE TRIGGER performance_metrics_rollup AFTER INSERT ON background.performance_metrics
        REFERENCING NEW TABLE AS new_rows
        FOR EACH STATEMENT EXECUTE FUNCTION background.roll_up_metrics();
    END IF;
END
$trigger$;
