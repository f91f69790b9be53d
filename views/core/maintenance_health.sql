-- core.maintenance_health and core.materialized_view_health: is maintenance keeping up?
-- Per registered table: rows stuck in the default partition (and those no partition can hold, with
-- an example key), how far ahead partitions exist, the oldest partition, and the last maintenance run
-- with its outcome (never: maintenance has not run on it yet). `dbctl status` shows both.
-- The function's columns changed since its first release, so it and its view are re-created.

DROP VIEW IF EXISTS core.maintenance_health;
DROP FUNCTION IF EXISTS core.partition_health(timestamptz);

CREATE OR REPLACE FUNCTION core.partition_health(p_now timestamptz DEFAULT now())
RETURNS TABLE (
    parent regclass,
    partition_interval text,
    partitions integer,
    rows_in_default bigint,
    unroutable_rows bigint,
    unroutable_key text,
    covered_until timestamptz,
    premade_ahead interval,
    oldest_partition regclass,
    oldest_from timestamptz,
    retention interval,
    last_run_at timestamptz,
    last_outcome text
)
LANGUAGE plpgsql
STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_default regclass;
    v_key name;
BEGIN
    FOR parent, partition_interval, retention IN
        SELECT t.parent, t.partition_interval, t.retention
        FROM core.partitioned_tables AS t
        WHERE EXISTS (SELECT FROM pg_class AS c WHERE c.oid = t.parent)
        ORDER BY t.parent::text
    LOOP
        SELECT count(*) FILTER (WHERE NOT p.is_default),
               max(p.upper_bound),
               (array_agg(p.partition ORDER BY p.lower_bound) FILTER (WHERE NOT p.is_default))[1],
               min(p.lower_bound),
               (array_agg(p.partition) FILTER (WHERE p.is_default))[1]
        INTO partitions, covered_until, oldest_partition, oldest_from, v_default
        FROM core.partitions_of(parent) AS p;
        premade_ahead := covered_until - p_now;
        rows_in_default := NULL;
        unroutable_rows := NULL;
        unroutable_key := NULL;
        IF v_default IS NOT NULL THEN
            v_key := (core.partition_key(parent)).key_column;
            -- unroutable: NULL, non-finite, or in the last representable month (its range cannot end)
            EXECUTE format(
                'SELECT count(*), count(*) FILTER (WHERE %1$I IS NULL OR NOT isfinite(%1$I::timestamptz) '
                'OR %1$I::timestamptz >= %2$L), '
                'min(%1$I::text) FILTER (WHERE %1$I IS NULL OR NOT isfinite(%1$I::timestamptz) '
                'OR %1$I::timestamptz >= %2$L) FROM %3$s',
                v_key, '294276-12-01 00:00+00', v_default
            ) INTO rows_in_default, unroutable_rows, unroutable_key;
        END IF;
        SELECT max(l.logged_at),
               CASE WHEN count(*) = 0 THEN 'never'
                    WHEN bool_or(l.outcome = 'failed') THEN 'failed'
                    WHEN bool_and(l.outcome = 'skipped') THEN 'skipped' ELSE 'ok' END
        INTO last_run_at, last_outcome
        FROM core.maintenance_log AS l
        WHERE l.target = parent::text
          AND l.run_id = (SELECT m.run_id FROM core.maintenance_log AS m
                          WHERE m.target = parent::text ORDER BY m.id DESC LIMIT 1);
        RETURN NEXT;
    END LOOP;
END
$$;

COMMENT ON FUNCTION core.partition_health(timestamptz) IS
'Health of every registered partitioned table as of p_now; core.maintenance_health shows it for now().';

CREATE OR REPLACE VIEW core.maintenance_health AS
SELECT * FROM core.partition_health();

COMMENT ON VIEW core.maintenance_health IS
'Per registered table: partitions, rows stuck in the default partition (unroutable_rows: those no
partition can hold, unroutable_key an example), how far ahead partitions exist, the oldest partition,
and the last maintenance run and its outcome (ok, skipped, failed, or never).';

CREATE OR REPLACE VIEW core.materialized_view_health AS
SELECT
    v.view,
    v.last_refreshed_at,
    now() - v.last_refreshed_at AS age,
    v.last_duration,
    v.last_outcome
FROM core.materialized_views AS v;

COMMENT ON VIEW core.materialized_view_health IS
'Per registered materialized view: when it was last refreshed, how long ago, and how it went.';

REVOKE ALL ON FUNCTION core.partition_health(timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION core.partition_health(timestamptz)
TO {{ owner_role }}, {{ readonly_role }}, {{ maintenance_role }};
GRANT SELECT ON core.maintenance_health, core.materialized_view_health
TO {{ owner_role }}, {{ readonly_role }}, {{ maintenance_role }};
