-- background: the module's own monitoring views, the answers of the spec's "System Health Overview"
-- and "Performance Metrics Summary" from the per-minute rollups (schema 0010) instead of the raw rows,
-- exact all the same: whole minutes after the window's first come from the rollups, the rows of the
-- first (partial) minute from the time series, read with literal bounds so the planner prunes to the
-- one partition that holds them (no planning of the others). The health overview reads the first
-- minute's ten-second parts too and counts the shorter side of the first part (its rows after the
-- window's start, or its count less its rows before), in statements planned once per session (generic
-- plans pruned at executor start-up): a call plans nothing.
--   background.health_overview_at(p_now) / view background.health_overview
--   background.metrics_summary_since(p_since) / view background.metrics_last_hour

CREATE OR REPLACE FUNCTION background.metrics_summary_since(p_since timestamptz)
RETURNS TABLE (agent_id text, metric_name text, avg_value numeric, max_value numeric, sample_count bigint)
LANGUAGE plpgsql
STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_first timestamptz := date_bin('1 minute', p_since, '2000-01-01+00');
    -- The first ten minutes wholly after the first minute: coarse rows from there on.
    v_tens timestamptz := date_bin('10 minutes', date_bin('1 minute', p_since, '2000-01-01+00'), '2000-01-01+00')
                          + interval '10 minutes';
BEGIN
    RETURN QUERY EXECUTE format($q$
        SELECT x.agent_id, x.metric_name, sum(x.total) / nullif(sum(x.valued), 0), max(x.maximum), sum(x.samples)::bigint
        FROM (
            SELECT t.agent_id, t.metric_name, t.samples, t.valued, t.total, t.maximum
            FROM background.metric_ten_minutes AS t WHERE t.minute >= %3$L::timestamptz
            UNION ALL
            SELECT m.agent_id, m.metric_name, m.samples, m.valued, m.total, m.maximum
            FROM background.metric_minutes AS m WHERE m.minute > %1$L::timestamptz AND m.minute < %3$L::timestamptz
            UNION ALL
            SELECT p.agent_id, p.metric_name, count(*), count(p.value), sum(p.value), max(p.value)
            FROM background.performance_metrics AS p
            WHERE p.timestamp > %2$L::timestamptz AND p.timestamp < %1$L::timestamptz + interval '1 minute'
            GROUP BY p.agent_id, p.metric_name
        ) AS x
        GROUP BY x.agent_id, x.metric_name
        ORDER BY x.agent_id, x.metric_name$q$, v_first, p_since, v_tens);
END
$$;

COMMENT ON FUNCTION background.metrics_summary_since(timestamptz) IS
'Average, maximum and count of the samples after p_since per agent and metric (the spec''s metrics
summary with any window), from metric_ten_minutes, metric_minutes up to the first ten minutes and the
raw rows of the first minute: exact.';

CREATE OR REPLACE VIEW background.metrics_last_hour AS
SELECT * FROM background.metrics_summary_since(now() - interval '1 hour');

COMMENT ON VIEW background.metrics_last_hour IS
'The spec''s "Performance Metrics Summary" (last hour) from the per-minute rollups: the same rows as
background.metrics_summary.';

CREATE OR REPLACE FUNCTION background.health_overview_at(p_now timestamptz)
RETURNS TABLE (metric text, value bigint)
LANGUAGE plpgsql
STABLE
SET search_path = pg_catalog, pg_temp
-- Static statements planned once per session (generic plans) instead of on every call: the time
-- bounds are parameters, so the executor prunes the partitions at start-up (initial pruning), and
-- every range has two bounds (v_end: no upper bound, as in the spec's query), so the generic plans'
-- estimates stay those of a narrow range: index scans, whatever the rollup's size.
SET plan_cache_mode = force_generic_plan
AS $$
DECLARE
    v_since timestamptz := p_now - interval '5 minutes';
    -- The window's first minute, and the ten seconds of it that hold v_since (part 0 to 5).
    v_first timestamptz := date_bin('1 minute', p_now - interval '5 minutes', '2000-01-01+00');
    v_part_start timestamptz := date_bin('10 seconds', p_now - interval '5 minutes', '2000-01-01+00');
    v_part integer := extract(epoch FROM date_bin('10 seconds', p_now - interval '5 minutes', '2000-01-01+00')
                                         - date_bin('1 minute', p_now - interval '5 minutes', '2000-01-01+00'))::integer / 10;
    v_hour timestamptz := p_now - interval '1 hour';
    v_end timestamptz := 'infinity';
    v_after bigint;     -- heartbeats of the first minute's parts after v_part
    v_in_part bigint;   -- heartbeats of part v_part
    v_unsplit boolean;  -- a row of the first minute has no parts (rolled up before they were kept)
    v_heartbeats bigint;
BEGIN
    -- Heartbeats after v_since: the minutes after v_first from the rollup; of v_first's minute, its
    -- parts after v_since's from the rollup, and of that part whichever side of v_since is shorter:
    -- its rows after v_since added, or its count less its rows up to v_since. At most five seconds of
    -- raw rows are counted. A first minute rolled up before the parts were kept (in the minutes after
    -- schema 0014 only) counts its rows after v_since instead.
    SELECT coalesce(sum(CASE v_part WHEN 0 THEN m.s10 + m.s20 + m.s30 + m.s40 + m.s50 WHEN 1 THEN m.s20 + m.s30 + m.s40 + m.s50
                                    WHEN 2 THEN m.s30 + m.s40 + m.s50 WHEN 3 THEN m.s40 + m.s50 WHEN 4 THEN m.s50 ELSE 0 END), 0),
           coalesce(sum(CASE v_part WHEN 0 THEN m.s00 WHEN 1 THEN m.s10 WHEN 2 THEN m.s20 WHEN 3 THEN m.s30
                                    WHEN 4 THEN m.s40 ELSE m.s50 END), 0),
           coalesce(bool_or(m.s00 IS NULL), FALSE)
    INTO v_after, v_in_part, v_unsplit
    FROM background.heartbeat_minutes AS m WHERE m.minute = v_first;
    v_heartbeats := (SELECT coalesce(sum(m.heartbeats), 0) FROM background.heartbeat_minutes AS m
                     WHERE m.minute > v_first AND m.minute < v_end);
    IF v_unsplit THEN
        v_heartbeats := v_heartbeats
                        + (SELECT count(*) FROM background.agent_heartbeats AS h
                           WHERE h.timestamp > v_since AND h.timestamp < v_first + interval '1 minute');
    ELSIF v_since - v_part_start < interval '5 seconds' THEN
        v_heartbeats := v_heartbeats + v_after + v_in_part
                        - (SELECT count(*) FROM background.agent_heartbeats AS h
                           WHERE h.timestamp >= v_part_start AND h.timestamp <= v_since);
    ELSE
        v_heartbeats := v_heartbeats + v_after
                        + (SELECT count(*) FROM background.agent_heartbeats AS h
                           WHERE h.timestamp > v_since AND h.timestamp < v_part_start + interval '10 seconds');
    END IF;
    RETURN QUERY
    SELECT 'Total Agents'::text, count(*) FROM background.agents
    UNION ALL
    SELECT 'Running Agents', count(*) FROM background.agents AS a WHERE a.state = 'running'
    UNION ALL
    SELECT 'Recent Heartbeats (5min)', v_heartbeats
    UNION ALL
    SELECT 'Error Events (1hour)', count(*) FROM background.system_events AS e
    WHERE e.severity = 'ERROR' AND e.timestamp > v_hour AND e.timestamp < v_end;
END
$$;

COMMENT ON FUNCTION background.health_overview_at(timestamptz) IS
'The spec''s "System Health Overview" as of p_now: agents, running agents, heartbeats after p_now - 5
minutes (from heartbeat_minutes, its minutes and their ten-second parts, and at most five seconds of
raw rows: the first part''s after the window''s start, or its count less those before), ERROR events
after p_now - 1 hour. Its statements are planned once per session (generic plans, partitions pruned
at executor start-up). Exact.';

CREATE OR REPLACE VIEW background.health_overview AS
SELECT * FROM background.health_overview_at(now());

COMMENT ON VIEW background.health_overview IS
'The spec''s "System Health Overview" from the rollups: the same rows as background.system_health_overview.';
