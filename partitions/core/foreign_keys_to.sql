-- core.foreign_keys_to(relation): the foreign keys whose referential actions fire when a row leaves
-- this table (for a leaf partition: the keys declared on its partitioned table, cloned onto it, and
-- any declared on the leaf itself), each with the referencing table and both column lists, matched
-- in order. A referencing partitioned table is named once, by its root: query it without ONLY.

CREATE OR REPLACE FUNCTION core.foreign_keys_to(p_relation regclass)
RETURNS TABLE (constraint_name name, referencing regclass, referencing_columns name[], referenced_columns name[])
LANGUAGE sql
STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT c.conname, c.conrelid::regclass,
           ARRAY(SELECT a.attname FROM unnest(c.conkey) WITH ORDINALITY AS k (attnum, n)
                 INNER JOIN pg_attribute AS a ON a.attrelid = c.conrelid AND a.attnum = k.attnum ORDER BY k.n),
           ARRAY(SELECT a.attname FROM unnest(c.confkey) WITH ORDINALITY AS k (attnum, n)
                 INNER JOIN pg_attribute AS a ON a.attrelid = c.confrelid AND a.attnum = k.attnum ORDER BY k.n)
    FROM pg_constraint AS c
    WHERE c.contype = 'f' AND c.confrelid = p_relation
    ORDER BY c.oid
$$;

COMMENT ON FUNCTION core.foreign_keys_to(regclass) IS
'Foreign keys referencing a table or leaf partition directly (clones of its parent''s included): name,
referencing table, referencing and referenced columns in matching order.';

CREATE OR REPLACE FUNCTION core.columns_of(p_alias text, p_columns name[])
RETURNS text
LANGUAGE sql
IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT string_agg(quote_ident(p_alias) || '.' || quote_ident(c), ', ' ORDER BY n)
    FROM unnest(p_columns) WITH ORDINALITY AS u (c, n)
$$;

COMMENT ON FUNCTION core.columns_of(text, name[]) IS
'alias.column, alias.column, ... (quoted), for the dynamic SQL that matches foreign key columns.';

REVOKE ALL ON FUNCTION core.foreign_keys_to(regclass) FROM PUBLIC;
REVOKE ALL ON FUNCTION core.columns_of(text, name[]) FROM PUBLIC;
