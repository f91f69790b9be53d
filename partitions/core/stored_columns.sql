-- core.stored_columns(relation): the columns a copy of a row must name, quoted and in order: every
-- column but dropped and generated ones (a generated column is computed again from the others).
-- The rescue copies rows with it (core.create_partition, core.retire_default_rows).

CREATE OR REPLACE FUNCTION core.stored_columns(p_relation regclass)
RETURNS text
LANGUAGE sql
STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum)
    FROM pg_attribute AS a
    WHERE a.attrelid = p_relation AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
$$;

COMMENT ON FUNCTION core.stored_columns(regclass) IS
'The quoted, comma-separated columns of a relation that an INSERT copying its rows names: all but
dropped and generated columns, in column order.';

REVOKE ALL ON FUNCTION core.stored_columns(regclass) FROM PUBLIC;
