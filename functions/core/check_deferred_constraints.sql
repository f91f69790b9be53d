-- core.check_deferred_constraints(): run now every constraint check that is waiting for COMMIT,
-- then put every constraint back in the mode it was declared with.
--
-- Maintenance calls it at the end of each step's subtransaction (a table's action, a task, a rescue),
-- so a deferred foreign key or unique check that would fail fails inside that step, where it is
-- caught, reported and rolled back alone, instead of failing the caller's COMMIT and with it every
-- other table's work. SET CONSTRAINTS ALL IMMEDIATE fires the pending checks; the constraints
-- declared INITIALLY DEFERRED are then deferred again (a name shared in its schema with a constraint
-- declared immediate stays immediate: it is checked earlier, never later), so the rest of the
-- caller's transaction sees the declared modes. A caller's own SET CONSTRAINTS earlier in the
-- transaction is not kept: run maintenance in a transaction of its own, as cron does.

CREATE OR REPLACE FUNCTION core.check_deferred_constraints()
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_deferred text;
BEGIN
    SET CONSTRAINTS ALL IMMEDIATE;
    SELECT string_agg(format('%I.%I', g.nspname, g.conname), ', ' ORDER BY g.nspname, g.conname)
    INTO v_deferred
    FROM (
        SELECT n.nspname, c.conname
        FROM pg_constraint AS c
        INNER JOIN pg_namespace AS n ON n.oid = c.connamespace
        WHERE (n.nspname !~ '^pg_(toast_)?temp_' OR n.oid = pg_my_temp_schema())
          AND c.contype IN ('f', 'p', 'u', 'x', 't')
        GROUP BY n.nspname, c.conname
        HAVING bool_and(c.condeferrable AND c.condeferred)
    ) AS g;
    IF v_deferred IS NOT NULL THEN
        EXECUTE 'SET CONSTRAINTS ' || v_deferred || ' DEFERRED';
    END IF;
END
$$;

COMMENT ON FUNCTION core.check_deferred_constraints() IS
'Fires every deferred constraint check pending in this transaction now (an error raises here), then
defers again the constraints declared INITIALLY DEFERRED. Maintenance ends each step with it, so a
check that would fail at COMMIT fails inside that step.';

REVOKE ALL ON FUNCTION core.check_deferred_constraints() FROM PUBLIC;
