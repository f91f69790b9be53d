-- core.distribution_problems(): the catalog checked against core.distribution_plan, one row per thing
-- Citus would refuse (or a table nobody planned). Empty means every module can be distributed as
-- planned without changing a key. tests/core/11_distribution.sql asserts it is empty for the
-- migrated modules and that each kind of problem is found on deliberately wrong tables.
-- Citus's rules: a distributed table's primary keys, unique constraints and unique indexes contain
-- its distribution column (an exclusion constraint with =); a foreign key between distributed tables
-- joins the two distribution columns and links co-located tables; a reference table may not point
-- at a distributed one; a distributed table may point at reference tables and co-located distributed
-- tables only, and a local table may not point at a distributed one.

CREATE OR REPLACE FUNCTION core.distribution_problems()
RETURNS TABLE (relation regclass, problem text, object text, detail text)
LANGUAGE sql
STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    WITH plan AS (
        SELECT
            d.relation,
            d.kind,
            d.distribution_column,
            coalesce(d.colocate_with, d.relation) AS colocation_group,
            a.attnum AS distribution_attnum,
            a.attnotnull AS distribution_not_null
        FROM core.distribution_plan AS d
        LEFT JOIN pg_attribute AS a
            ON a.attrelid = d.relation AND a.attname = d.distribution_column AND NOT a.attisdropped
    ),
    module_tables AS (
        SELECT c.oid::regclass AS relation
        FROM pg_class AS c
        JOIN pg_namespace AS n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition
          AND n.nspname IN (SELECT l.module FROM core.migration_ledger AS l)
    ),
    foreign_keys AS (
        SELECT
            k.conname,
            k.conkey,
            k.confkey,
            f.relation AS from_relation,
            f.kind AS from_kind,
            f.colocation_group AS from_group,
            f.distribution_attnum AS from_attnum,
            t.relation AS to_relation,
            t.kind AS to_kind,
            t.colocation_group AS to_group,
            t.distribution_attnum AS to_attnum
        FROM pg_constraint AS k
        JOIN plan AS f ON f.relation = k.conrelid
        JOIN plan AS t ON t.relation = k.confrelid
        WHERE k.contype = 'f' AND k.conparentid = 0
    )
    SELECT m.relation, 'unplanned table', NULL::text, 'no row of core.distribution_plan covers it'
    FROM module_tables AS m
    WHERE NOT EXISTS (SELECT FROM core.distribution_plan AS d WHERE d.relation = m.relation)
    UNION ALL
    SELECT p.relation, 'stale plan row', NULL, 'the planned table or its distribution column no longer exists'
    FROM plan AS p
    WHERE NOT EXISTS (SELECT FROM pg_class AS c WHERE c.oid = p.relation)
       OR (p.kind = 'distributed' AND p.distribution_attnum IS NULL)
    UNION ALL
    SELECT p.relation, 'nullable distribution column', p.distribution_column::text,
           'Citus cannot place a row whose distribution column is NULL: make it NOT NULL'
    FROM plan AS p
    WHERE p.kind = 'distributed' AND NOT p.distribution_not_null
    UNION ALL
    SELECT p.relation, 'unique key without distribution column',
           coalesce(k.conname, x.relname)::text,
           format('%s does not contain %I', pg_get_indexdef(i.indexrelid), p.distribution_column)
    FROM plan AS p
    JOIN pg_index AS i ON coalesce(pg_partition_root(i.indrelid), i.indrelid) = p.relation
    JOIN pg_class AS x ON x.oid = i.indexrelid
    LEFT JOIN pg_constraint AS k ON k.conindid = i.indexrelid AND k.conrelid = i.indrelid
    WHERE p.kind = 'distributed' AND i.indisunique AND NOT x.relispartition
      AND NOT p.distribution_attnum = ANY ((i.indkey::int2 [])[0:i.indnkeyatts - 1])
    UNION ALL
    SELECT p.relation, 'exclusion constraint without distribution column', k.conname::text,
           format('%s does not compare %I with =', pg_get_constraintdef(k.oid), p.distribution_column)
    FROM plan AS p
    JOIN pg_constraint AS k ON coalesce(pg_partition_root(k.conrelid), k.conrelid) = p.relation
    WHERE p.kind = 'distributed' AND k.contype = 'x' AND k.conparentid = 0
      AND NOT EXISTS (
          SELECT FROM unnest(k.conkey, k.conexclop) AS e (attnum, operator)
          JOIN pg_operator AS o ON o.oid = e.operator
          WHERE e.attnum = p.distribution_attnum AND o.oprname = '='
      )
    UNION ALL
    SELECT fk.from_relation,
           CASE
               WHEN fk.from_group <> fk.to_group THEN 'foreign key between distributed tables not co-located'
               ELSE 'foreign key without distribution column'
           END,
           fk.conname::text,
           format('references %s; both tables must be in one co-location group and the key must pair '
                  'their distribution columns', fk.to_relation)
    FROM foreign_keys AS fk
    WHERE fk.from_kind = 'distributed' AND fk.to_kind = 'distributed'
      AND (fk.from_group <> fk.to_group
           OR NOT EXISTS (SELECT FROM unnest(fk.conkey, fk.confkey) AS c (from_attnum, to_attnum)
                          WHERE c.from_attnum = fk.from_attnum AND c.to_attnum = fk.to_attnum))
    UNION ALL
    SELECT fk.from_relation, format('foreign key from %s to %s table', fk.from_kind, fk.to_kind),
           fk.conname::text,
           format('references %s, which Citus does not allow', fk.to_relation)
    FROM foreign_keys AS fk
    WHERE (fk.from_kind, fk.to_kind) IN (('reference', 'distributed'), ('distributed', 'local'),
                                         ('local', 'distributed'))
$$;

COMMENT ON FUNCTION core.distribution_problems() IS
'What would stop Citus from distributing the modules as core.distribution_plan says: unplanned
tables of module schemas, stale plan rows, nullable distribution columns, unique keys and exclusion
constraints without the distribution column, foreign keys that do not pair distribution columns of
co-located tables, and foreign keys reference -> distributed, distributed -> local,
local -> distributed. Empty when the plan holds.';

REVOKE ALL ON FUNCTION core.distribution_problems() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION core.distribution_problems() TO {{ readonly_role }}, {{ maintenance_role }};
