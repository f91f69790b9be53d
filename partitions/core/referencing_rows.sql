-- core.referencing_rows(leaf, key, lower, upper): every row, in any table, that references a row of
-- [lower, upper) in one leaf partition through a foreign key, directly or through other referencing
-- rows (a row referencing a referencing row, and so on), found from pg_constraint: the foreign keys
-- declared on the partitioned table and their clones on its leaves, foreign keys of partitioned
-- tables, and a table referencing itself. The rows of the range themselves are not listed.
--
-- A rescue moves rows out of the default partition; PostgreSQL checks a foreign key on the leaf a
-- referenced row left, where its key is gone, so the referencing rows must be out of the way while
-- the rows move and come back after the partition is attached (core.create_partition).
-- Each referencing table is locked in EXCLUSIVE mode (readers go on, writers wait) before its rows
-- are read, under the caller's lock_timeout: no row can start or stop referencing the set while the
-- step runs. Tables holding no referencing row are not locked. Needs SELECT on them and the right
-- to lock them: a table the caller may not read makes the step fail, naming it (42501), as does a
-- table forcing row-level security on its owner (0A000), whose hidden rows could not be taken out.

CREATE OR REPLACE FUNCTION core.referencing_rows(
    p_leaf regclass, p_key name, p_lower text, p_upper text,
    OUT leaves oid[], OUT ctids tid[]
)
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_frontier_leaves oid[] := ARRAY[p_leaf::oid];
    v_frontier_ctids tid[] := '{}';
    v_next_leaves oid[];
    v_next_ctids tid[];
    v_found_leaves oid[];
    v_found_ctids tid[];
    v_first boolean := TRUE;
    v_source oid;
    v_fk record;
    v_referenced text;
    v_query text;
    v_any boolean;
    v_locked oid[] := '{}';
BEGIN
    leaves := '{}';
    ctids := '{}';
    LOOP
        v_next_leaves := '{}';
        v_next_ctids := '{}';
        FOR v_source IN SELECT DISTINCT l FROM unnest(v_frontier_leaves) AS l ORDER BY l LOOP
            -- The rows of this level in v_source: the range first, then the rows found just before.
            v_referenced := CASE WHEN v_first
                THEN format('r.%I >= %L AND r.%I < %L', p_key, p_lower, p_key, p_upper)
                ELSE format('r.ctid = ANY (ARRAY(SELECT u.t FROM unnest($1::oid[], $2::tid[]) AS u (l, t) '
                            'WHERE u.l = %s))', v_source)
            END;
            FOR v_fk IN
                SELECT f.referencing, core.columns_of('x', f.referencing_columns) AS columns,
                       core.columns_of('r', f.referenced_columns) AS keys
                FROM core.foreign_keys_to(v_source::regclass) AS f
            LOOP
                -- Rows a policy hides from the owner could not be taken out, and a cascade (which
                -- sees them) would delete them: refuse instead.
                IF EXISTS (SELECT FROM pg_class AS c WHERE c.oid = v_fk.referencing
                           AND c.relrowsecurity AND c.relforcerowsecurity) THEN
                    RAISE EXCEPTION USING
                        ERRCODE = 'feature_not_supported',
                        MESSAGE = format('cannot move rows of %s referenced from %s: row-level security is forced '
                                         'on that table for its owner, so some of its rows cannot be seen',
                                         v_source::regclass, v_fk.referencing),
                        HINT = format('ALTER TABLE %s NO FORCE ROW LEVEL SECURITY; or give its owner a policy '
                                      'that sees every row.', v_fk.referencing);
                END IF;
                v_query := format('SELECT x.tableoid, x.ctid FROM %s AS x WHERE (%s) IN (SELECT %s FROM ONLY %s AS r WHERE %s)',
                                  v_fk.referencing, v_fk.columns, v_fk.keys, v_source::regclass, v_referenced);
                -- A table referencing itself: the rows that move are not taken out a second time.
                IF p_leaf IN (SELECT t.relid FROM pg_partition_tree(v_fk.referencing) AS t) THEN
                    v_query := v_query || format(' AND NOT (x.tableoid = %s AND x.%I >= %L AND x.%I < %L)',
                                                 p_leaf::oid, p_key, p_lower, p_key, p_upper);
                END IF;
                EXECUTE format('SELECT EXISTS (%s)', v_query) USING v_frontier_leaves, v_frontier_ctids INTO v_any;
                CONTINUE WHEN NOT v_any;
                IF NOT v_fk.referencing::oid = ANY (v_locked) THEN
                    EXECUTE format('LOCK TABLE %s IN EXCLUSIVE MODE', v_fk.referencing);
                    v_locked := v_locked || v_fk.referencing::oid;
                END IF;
                EXECUTE format('SELECT coalesce(array_agg(f.tableoid), ''{}''), coalesce(array_agg(f.ctid), ''{}'') '
                               'FROM (%s) AS f', v_query)
                USING v_frontier_leaves, v_frontier_ctids INTO v_found_leaves, v_found_ctids;
                v_next_leaves := v_next_leaves || v_found_leaves;
                v_next_ctids := v_next_ctids || v_found_ctids;
            END LOOP;
        END LOOP;
        -- Only rows not seen before go on (a cycle of references ends here).
        SELECT coalesce(array_agg(n.l), '{}'), coalesce(array_agg(n.t), '{}')
        INTO v_frontier_leaves, v_frontier_ctids
        FROM (
            SELECT u.l, u.t FROM unnest(v_next_leaves, v_next_ctids) AS u (l, t)
            EXCEPT
            SELECT u.l, u.t FROM unnest(leaves, ctids) AS u (l, t)
        ) AS n;
        EXIT WHEN cardinality(v_frontier_leaves) = 0;
        leaves := leaves || v_frontier_leaves;
        ctids := ctids || v_frontier_ctids;
        v_first := FALSE;
    END LOOP;
END
$$;

COMMENT ON FUNCTION core.referencing_rows(regclass, name, text, text) IS
'Every row (its leaf table and ctid) that references a row of [p_lower, p_upper) of p_key in the leaf
p_leaf through any foreign key, directly or through other referencing rows; each table holding such
rows is locked in EXCLUSIVE mode first. For core.create_partition''s rescue.';

REVOKE ALL ON FUNCTION core.referencing_rows(regclass, name, text, text) FROM PUBLIC;

-- core.refuse_distributed_referenced_move(parent, default, range): on a Citus coordinator, a rescue
-- cannot take out and put back the rows that reference the moving ones (their row addresses are the
-- shards', not the coordinator's): when the parent is distributed and a foreign key points at a row
-- of the range, the step is refused with 0A000, naming the table and what to do, before anything
-- moves. Without Citus (or for a table it does not distribute) this does nothing.
CREATE OR REPLACE FUNCTION core.refuse_distributed_referenced_move(
    p_parent regclass, p_default regclass, p_range text
)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_distributed boolean;
    v_fk record;
    v_referenced boolean;
BEGIN
    -- (dynamic SQL: Citus' catalog exists only where it is installed)
    EXECUTE 'SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_dist_partition WHERE logicalrelid = $1)'
    INTO v_distributed USING p_parent;
    IF NOT v_distributed THEN
        RETURN;
    END IF;
    FOR v_fk IN SELECT * FROM core.foreign_keys_to(p_default) LOOP
        EXECUTE format('SELECT EXISTS (SELECT 1 FROM %s AS x WHERE (%s) IN (SELECT %s FROM %s AS r WHERE %s))',
                       v_fk.referencing, core.columns_of('x', v_fk.referencing_columns),
                       core.columns_of('r', v_fk.referenced_columns), p_default, p_range)
        INTO v_referenced;
        IF v_referenced THEN
            RAISE EXCEPTION USING
                ERRCODE = 'feature_not_supported',
                MESSAGE = format('cannot move rows of %s out of %s on a Citus cluster: rows of %s reference them '
                                 '(%s)', p_parent, p_default, v_fk.referencing, v_fk.constraint_name),
                DETAIL = format('Rows waiting in the default partition where %s.', p_range),
                HINT = 'Delete and insert again the referencing rows around the move, or leave the rows in the '
                       'default partition (docs/scale-out.md, "What is still unsupported").';
        END IF;
    END LOOP;
END
$$;

COMMENT ON FUNCTION core.refuse_distributed_referenced_move(regclass, regclass, text) IS
'On a Citus coordinator: refuses (0A000) a rescue of a distributed table whose moving rows are
referenced by a foreign key; does nothing elsewhere.';

REVOKE ALL ON FUNCTION core.refuse_distributed_referenced_move(regclass, regclass, text) FROM PUBLIC;
