-- background: performance metrics and system events (spec 003 tables 3 and 5) as functions:
-- record_metric (one sample), record_metrics (a batch as a JSON array, one statement) and log_event.

CREATE OR REPLACE FUNCTION background.record_metric(
    p_agent_id text,
    p_metric_name text,
    p_value numeric,
    p_unit text DEFAULT NULL,
    p_metadata jsonb DEFAULT NULL,
    p_now timestamptz DEFAULT now()
)
RETURNS bigint
LANGUAGE sql
SET search_path = pg_catalog, pg_temp
AS $$
    INSERT INTO background.performance_metrics (agent_id, metric_name, value, unit, timestamp, metadata)
    VALUES (p_agent_id, background.checked_text(p_metric_name, 'metric_name'), p_value, p_unit,
            background.checked_time(p_now), p_metadata)
    RETURNING id
$$;

COMMENT ON FUNCTION background.record_metric(text, text, numeric, text, jsonb, timestamptz) IS
'Stores one performance sample at p_now; returns its id. Unknown agent: 23503.';

CREATE OR REPLACE FUNCTION background.record_metrics(p_metrics jsonb, p_now timestamptz DEFAULT now())
RETURNS bigint
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_bad text;
    v_count bigint;
    -- An assignment, not a query (PERFORM): the check costs no executor start-up.
    v_now timestamptz := background.checked_time(p_now);
BEGIN
    IF jsonb_typeof(p_metrics) IS DISTINCT FROM 'array' THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value',
            MESSAGE = format('metrics must be a JSON array, not %s', coalesce(jsonb_typeof(p_metrics), 'NULL')),
            HINT = 'Pass [{"agent_id": ..., "metric_name": ..., "value": ...}, ...].';
    END IF;
    SELECT format('element %s: %s', e.n - 1, e.problem) INTO v_bad
    FROM (
        SELECT x.n, CASE
            WHEN jsonb_typeof(x.m) <> 'object' THEN 'not an object'
            WHEN EXISTS (SELECT FROM jsonb_object_keys(x.m) AS k
                         WHERE k NOT IN ('agent_id', 'metric_name', 'value', 'unit', 'timestamp', 'metadata'))
                THEN 'unknown field'
            WHEN jsonb_typeof(x.m -> 'agent_id') IS DISTINCT FROM 'string' THEN 'agent_id must be a string'
            WHEN jsonb_typeof(x.m -> 'metric_name') IS DISTINCT FROM 'string' THEN 'metric_name must be a string'
            WHEN jsonb_typeof(x.m -> 'value') NOT IN ('number', 'null') THEN 'value must be a number'
            WHEN jsonb_typeof(x.m -> 'metadata') NOT IN ('object', 'null') THEN 'metadata must be an object'
            WHEN jsonb_typeof(x.m -> 'timestamp') NOT IN ('string', 'null') THEN 'timestamp must be a string'
        END AS problem
        FROM jsonb_array_elements(p_metrics) WITH ORDINALITY AS x (m, n)
    ) AS e
    WHERE e.problem IS NOT NULL
    ORDER BY e.n
    LIMIT 1;
    IF v_bad IS NOT NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'invalid_parameter_value', MESSAGE = 'invalid metric ' || v_bad,
            HINT = 'Each element: {"agent_id", "metric_name", "value"} and optionally "unit", "timestamp", "metadata".';
    END IF;
    INSERT INTO background.performance_metrics (agent_id, metric_name, value, unit, timestamp, metadata)
    SELECT m.agent_id, m.metric_name, m.value, m.unit,
           CASE WHEN m.timestamp IS NULL THEN v_now ELSE background.checked_time(m.timestamp, 'timestamp') END, m.metadata
    FROM jsonb_to_recordset(p_metrics) AS m (
        agent_id text, metric_name text, value numeric, unit text, timestamp timestamptz, metadata jsonb
    );
    GET DIAGNOSTICS v_count = ROW_COUNT;
    RETURN v_count;
END
$$;

COMMENT ON FUNCTION background.record_metrics(jsonb, timestamptz) IS
'Stores a batch of samples in one statement: a JSON array of {agent_id, metric_name, value[, unit,
timestamp, metadata]} (timestamp defaults to p_now). All or nothing; unknown fields and wrong types
are refused (22023). Returns the number stored.';

CREATE OR REPLACE FUNCTION background.log_event(
    p_event_type text,
    p_event_data jsonb DEFAULT NULL,
    p_agent_id text DEFAULT NULL,
    p_severity text DEFAULT 'INFO',
    p_now timestamptz DEFAULT now()
)
RETURNS bigint
LANGUAGE sql
SET search_path = pg_catalog, pg_temp
AS $$
    INSERT INTO background.system_events (event_type, event_data, agent_id, timestamp, severity)
    VALUES (background.checked_text(p_event_type, 'event_type'), p_event_data, p_agent_id,
            background.checked_time(p_now), upper(background.checked_text(p_severity, 'severity')))
    RETURNING id
$$;

COMMENT ON FUNCTION background.log_event(text, jsonb, text, text, timestamptz) IS
'Logs a system event (any agent id, registered or not, or none); severity DEBUG, INFO, WARNING,
ERROR or CRITICAL, any case. Returns its id.';

REVOKE ALL ON FUNCTION background.record_metric(text, text, numeric, text, jsonb, timestamptz) FROM PUBLIC;
REVOKE ALL ON FUNCTION background.record_metrics(jsonb, timestamptz) FROM PUBLIC;
REVOKE ALL ON FUNCTION background.log_event(text, jsonb, text, text, timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION background.record_metric(text, text, numeric, text, jsonb, timestamptz)
TO {{ app_role }}, {{ background_agents_role }};
GRANT EXECUTE ON FUNCTION background.record_metrics(jsonb, timestamptz) TO {{ app_role }}, {{ background_agents_role }};
GRANT EXECUTE ON FUNCTION background.log_event(text, jsonb, text, text, timestamptz)
TO {{ app_role }}, {{ background_agents_role }};
