-- core.disable_user_triggers(relations) / core.restore_user_triggers(disabled): switch the
-- application's triggers off on the tables a rescue moves rows out of and back into, and back on
-- exactly as they were (ENABLE, ENABLE ALWAYS or ENABLE REPLICA). A rescue moves rows, it does not
-- delete or insert them, so no application trigger may see it. Only triggers an INSERT or a DELETE
-- fires are switched (Citus' own TRUNCATE trigger, on every distributed table, is left alone). Internal triggers (foreign keys) are
-- never touched: PostgreSQL lets only a superuser switch those off. Needs the tables' owner, and
-- takes SHARE ROW EXCLUSIVE on each (writers wait; the caller already holds a stronger lock).

CREATE OR REPLACE FUNCTION core.disable_user_triggers(p_relations regclass[])
RETURNS jsonb
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_trigger record;
    v_disabled jsonb := '[]';
BEGIN
    FOR v_trigger IN
        SELECT t.tgrelid::regclass AS relation, t.tgname, t.tgenabled
        FROM pg_trigger AS t
        WHERE t.tgrelid = ANY (p_relations) AND NOT t.tgisinternal AND t.tgenabled <> 'D'
          AND t.tgtype::integer & (4 | 8) <> 0  -- fired by an INSERT or a DELETE, what a move does
        ORDER BY t.tgrelid, t.tgname
    LOOP
        EXECUTE format('ALTER TABLE %s DISABLE TRIGGER %I', v_trigger.relation, v_trigger.tgname);
        v_disabled := v_disabled || jsonb_build_object(
            'relation', v_trigger.relation::oid, 'trigger', v_trigger.tgname, 'enabled', v_trigger.tgenabled
        );
    END LOOP;
    RETURN v_disabled;
END
$$;

COMMENT ON FUNCTION core.disable_user_triggers(regclass[]) IS
'Disables every enabled non-internal INSERT or DELETE trigger of the relations; returns what it disabled, for
core.restore_user_triggers.';

CREATE OR REPLACE FUNCTION core.restore_user_triggers(p_disabled jsonb)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_trigger jsonb;
BEGIN
    FOR v_trigger IN SELECT value FROM jsonb_array_elements(p_disabled) LOOP
        EXECUTE format('ALTER TABLE %s ENABLE %s TRIGGER %I',
                       (v_trigger ->> 'relation')::oid::regclass,
                       CASE v_trigger ->> 'enabled' WHEN 'A' THEN 'ALWAYS' WHEN 'R' THEN 'REPLICA' ELSE '' END,
                       v_trigger ->> 'trigger');
    END LOOP;
END
$$;

COMMENT ON FUNCTION core.restore_user_triggers(jsonb) IS
'Enables again the triggers core.disable_user_triggers disabled, each in its former mode (origin,
ALWAYS or REPLICA).';

REVOKE ALL ON FUNCTION core.disable_user_triggers(regclass[]) FROM PUBLIC;
REVOKE ALL ON FUNCTION core.restore_user_triggers(jsonb) FROM PUBLIC;
