-- core monitoring for every module (spec 004, "Monitoring"): unused indexes, slow statements (from
-- pg_stat_statements when the server loads it) and the alerts `dbctl status` shows: storage over a
-- share of the configured capacity, table growth spikes against core.table_growth, statements over
-- {{ monitoring_slow_query_ms }} ms. Thresholds are manifest variables (monitoring_*).
-- These run as the caller (SECURITY INVOKER): the statistics views show other roles' query texts only
-- to superusers and members of pg_read_all_stats.

CREATE OR REPLACE VIEW core.unused_indexes AS
WITH module_index AS (
    SELECT
        i.indexrelid,
        i.indrelid,
        i.indisunique,
        i.indisprimary,
        n.nspname
    FROM pg_catalog.pg_index AS i
    INNER JOIN pg_catalog.pg_class AS c ON i.indexrelid = c.oid
    INNER JOIN pg_catalog.pg_namespace AS n ON c.relnamespace = n.oid
    WHERE
        n.nspname IN (SELECT l.module FROM core.migration_ledger AS l)
        AND NOT c.relispartition
),

index_tree AS (
    -- a partitioned index's tree (itself and its partitions' indexes), or a plain index alone
    SELECT
        m.indexrelid,
        t.relid
    FROM module_index AS m
    CROSS JOIN LATERAL pg_catalog.pg_partition_tree(m.indexrelid) AS t
    UNION
    SELECT
        m.indexrelid,
        m.indexrelid::regclass
    FROM module_index AS m
),

usage AS (
    SELECT
        t.indexrelid,
        pg_catalog.sum(pg_catalog.pg_stat_get_numscans(t.relid))::bigint AS scans,
        pg_catalog.sum(pg_catalog.pg_relation_size(t.relid))::bigint AS index_bytes
    FROM index_tree AS t
    GROUP BY t.indexrelid
),

counted AS (
    SELECT d.stats_reset
    FROM pg_catalog.pg_stat_database AS d
    WHERE d.datname = pg_catalog.current_database()
)

SELECT
    m.nspname AS index_schema,
    m.indrelid::regclass AS table_name,
    m.indexrelid::regclass AS index_name,
    u.scans,
    u.index_bytes,
    m.indisunique AS is_unique,
    counted.stats_reset AS counted_since
FROM module_index AS m
INNER JOIN usage AS u ON m.indexrelid = u.indexrelid
CROSS JOIN counted
WHERE u.scans = 0 AND NOT m.indisprimary;

COMMENT ON VIEW core.unused_indexes IS
'Indexes of module tables never scanned since the statistics were reset (counted_since), partitioned
indexes summed over their partitions, with their size. Primary keys are left out; unique indexes are
shown but enforce a constraint even when never scanned.';

CREATE OR REPLACE FUNCTION core.slow_statements(p_min_ms double precision DEFAULT {{ monitoring_slow_query_ms }})
RETURNS TABLE (
    queryid bigint,
    calls bigint,
    mean_ms double precision,
    max_ms double precision,
    total_ms double precision,
    rows bigint,
    query text
)
LANGUAGE plpgsql
STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_schema name := (SELECT e.extnamespace::regnamespace::name FROM pg_extension AS e
                      WHERE e.extname = 'pg_stat_statements');
BEGIN
    IF core.statement_statistics() <> 'ready' THEN
        RETURN;
    END IF;
    RETURN QUERY EXECUTE format(
        'SELECT s.queryid, s.calls, s.mean_exec_time, s.max_exec_time, s.total_exec_time, s.rows, s.query
           FROM %I.pg_stat_statements AS s
          WHERE s.dbid = (SELECT d.oid FROM pg_catalog.pg_database AS d
                          WHERE d.datname = pg_catalog.current_database())
            AND s.mean_exec_time OPERATOR(pg_catalog.>=) $1
          ORDER BY s.mean_exec_time DESC', v_schema)
    USING p_min_ms;
END
$$;

COMMENT ON FUNCTION core.slow_statements(double precision) IS
'Statements of this database whose mean execution time is at least p_min_ms, slowest first, from
pg_stat_statements; no rows when the extension is not installed here or not loaded by the server
(core.monitoring_alerts then says so).';

CREATE OR REPLACE FUNCTION core.statement_statistics()
RETURNS text
LANGUAGE plpgsql
STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_schema name := (SELECT e.extnamespace::regnamespace::name FROM pg_extension AS e
                      WHERE e.extname = 'pg_stat_statements');
BEGIN
    IF v_schema IS NULL THEN
        RETURN 'not installed';
    END IF;
    -- shared_preload_libraries is readable by privileged roles only: ask the view itself instead
    EXECUTE format('SELECT 1 FROM %I.pg_stat_statements LIMIT 1', v_schema);
    RETURN 'ready';
EXCEPTION WHEN object_not_in_prerequisite_state THEN
    RETURN 'not loaded';
END
$$;

COMMENT ON FUNCTION core.statement_statistics() IS
'Whether pg_stat_statements can be read here: ready, not installed (no CREATE EXTENSION in this
database), or not loaded (the server does not preload it: shared_preload_libraries).';

CREATE OR REPLACE VIEW core.slow_statements AS
SELECT * FROM core.slow_statements();

COMMENT ON VIEW core.slow_statements IS
'Statements of this database slower than {{ monitoring_slow_query_ms }} ms on average (manifest variable
monitoring_slow_query_ms), from pg_stat_statements; empty when it is not available.';

CREATE OR REPLACE FUNCTION core.monitoring_alerts(
    p_now timestamptz DEFAULT now(), p_capacity_bytes bigint DEFAULT {{ monitoring_capacity_bytes }}
)
RETURNS TABLE (severity text, kind text, target text, message text)
LANGUAGE plpgsql
STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_capacity bigint := p_capacity_bytes;
    v_size bigint := pg_database_size(current_database());
BEGIN
    PERFORM core.check_clock(p_now);
    IF v_capacity > 0 AND v_size * 100 > v_capacity * {{ monitoring_storage_alert_percent }} THEN
        RETURN QUERY SELECT 'warning', 'storage', current_database()::text,
            format('the database uses %s, %s%% of the %s capacity (alert above %s%%)',
                   pg_size_pretty(v_size), round(100.0 * v_size / v_capacity, 1),
                   pg_size_pretty(v_capacity), {{ monitoring_storage_alert_percent }});
    END IF;

    -- Growth spikes: the latest recorded day's growth against the median daily growth before it
    -- (at least 7 days of history); growth under 1 MiB a day is never a spike.
    RETURN QUERY
    WITH daily AS (
        SELECT g.table_schema, g.table_name, g.day,
               g.total_bytes - lag(g.total_bytes) OVER w AS growth,
               g.day - lag(g.day) OVER w AS days
        FROM core.table_growth AS g
        WHERE g.day <= (p_now AT TIME ZONE 'UTC')::date
        WINDOW w AS (PARTITION BY g.table_schema, g.table_name ORDER BY g.day)
    ),
    latest AS (
        SELECT DISTINCT ON (d.table_schema, d.table_name) d.table_schema, d.table_name, d.day,
               d.growth / d.days AS growth
        FROM daily AS d
        WHERE d.growth IS NOT NULL
        ORDER BY d.table_schema, d.table_name, d.day DESC
    ),
    history AS (
        SELECT l.table_schema, l.table_name, l.day, l.growth,
               (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY d.growth / d.days)
                FROM daily AS d
                WHERE d.table_schema = l.table_schema AND d.table_name = l.table_name
                  AND d.day < l.day AND d.day >= l.day - 28 AND d.growth IS NOT NULL) AS median,
               (SELECT count(*) FROM daily AS d
                WHERE d.table_schema = l.table_schema AND d.table_name = l.table_name
                  AND d.day < l.day AND d.day >= l.day - 28 AND d.growth IS NOT NULL) AS known_days
        FROM latest AS l
    )
    SELECT 'warning', 'growth spike', format('%I.%I', h.table_schema, h.table_name),
           format('grew %s on %s, %s times its median daily growth of %s over the %s days before',
                  pg_size_pretty(h.growth), h.day,
                  round((h.growth / greatest(h.median, 1))::numeric, 1),
                  pg_size_pretty(h.median::bigint), h.known_days)
    FROM history AS h
    WHERE h.known_days >= 7
      AND h.growth > 1048576
      AND h.growth > {{ monitoring_growth_spike_factor }} * greatest(h.median, 0)
    ORDER BY 3;

    RETURN QUERY
    SELECT 'warning', 'running query', format('pid %s (%s)', a.pid, a.usename),
           format('running for %s: %s', date_trunc('second', p_now - a.query_start), left(a.query, 200))
    FROM pg_stat_activity AS a
    WHERE a.datname = current_database()
      AND a.state = 'active'
      AND a.pid <> pg_backend_pid()
      AND a.backend_type = 'client backend'
      AND p_now - a.query_start > make_interval(secs => {{ monitoring_slow_query_ms }} / 1000.0)
    ORDER BY a.query_start;

    IF core.statement_statistics() = 'ready' THEN
        RETURN QUERY
        SELECT 'warning', 'slow statement', format('queryid %s', s.queryid),
               format('%s ms on average over %s calls: %s', round(s.mean_ms::numeric, 1), s.calls, left(s.query, 200))
        FROM core.slow_statements() AS s
        LIMIT 20;
    ELSE
        RETURN QUERY SELECT 'info', 'monitoring', 'pg_stat_statements',
            CASE core.statement_statistics()
                WHEN 'not loaded' THEN 'slow statements are not tracked: add pg_stat_statements to '
                                       'shared_preload_libraries and restart the server'
                ELSE 'slow statements are not tracked: CREATE EXTENSION pg_stat_statements in this database '
                     '(the server must preload it: shared_preload_libraries)' END;
    END IF;
END
$$;

COMMENT ON FUNCTION core.monitoring_alerts(timestamptz, bigint) IS
'Monitoring alerts as of p_now: storage above monitoring_storage_alert_percent of p_capacity_bytes
(default: the manifest variable monitoring_capacity_bytes; 0 switches the storage alert off); tables whose latest recorded daily growth exceeds monitoring_growth_spike_factor
times their median over the 28 days before (7 known days at least, 1 MiB at least); queries running
longer than monitoring_slow_query_ms; statements slower than that on average (pg_stat_statements), or
a note saying how to enable it. 22004 for a NULL or non-finite p_now.';

CREATE OR REPLACE VIEW core.monitoring_alerts AS
SELECT * FROM core.monitoring_alerts();

COMMENT ON VIEW core.monitoring_alerts IS
'The monitoring alerts now (see core.monitoring_alerts(timestamptz, bigint)); dbctl status shows them.';

REVOKE ALL ON FUNCTION core.slow_statements(double precision) FROM PUBLIC;
REVOKE ALL ON FUNCTION core.statement_statistics() FROM PUBLIC;
REVOKE ALL ON FUNCTION core.monitoring_alerts(timestamptz, bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION core.slow_statements(double precision), core.statement_statistics(),
core.monitoring_alerts(timestamptz, bigint) TO {{ owner_role }}, {{ readonly_role }}, {{ maintenance_role }};
GRANT SELECT ON core.unused_indexes, core.slow_statements, core.monitoring_alerts
TO {{ owner_role }}, {{ readonly_role }}, {{ maintenance_role }};
