-- core.disable_user_triggers(relations) / core.restore_user_triggers(disabled): switch the
-- application's triggers off on the tables a rescue moves rows out of and back into, and back on
-- exactly as they were (ENABLE, ENABLE ALWAYS or ENABLE REPLICA). A rescue moves rows, it does not
-- delete or insert them, so no application trigger may see it. Only the triggers that what the move
-- does to a table fires are switched: a DELETE's on the default partition rows leave, an INSERT's
-- and a DELETE's on tables rows leave and return to (on a Citus coordinator, a distributed
-- partition's other triggers, named otherwise on its shards, and Citus' own TRUNCATE trigger are
-- left alone). Internal triggers (foreign keys) are
-- never touched: PostgreSQL lets only a superuser switch those off. Needs the tables' owner, and
-- takes SHARE ROW EXCLUSIVE on each (writers wait; the caller already holds a stronger lock).

CREATE OR REPLACE FUNCTION core.disable_user_triggers(p_relations regclass[], p_fired_by text[])
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
          -- fired by what the move does to these tables (tgtype: 4 INSERT, 8 DELETE)
          AND t.tgtype::integer & ((CASE WHEN 'INSERT' = ANY (p_fired_by) THEN 4 ELSE 0 END)
                                 | (CASE WHEN 'DELETE' = ANY (p_fired_by) THEN 8 ELSE 0 END)) <> 0
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

COMMENT ON FUNCTION core.disable_user_triggers(regclass[], text[]) IS
'Disables every enabled non-internal trigger of the relations that the statements named in p_fired_by
(INSERT, DELETE) fire; returns what it disabled, for core.restore_user_triggers.';

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

REVOKE ALL ON FUNCTION core.disable_user_triggers(regclass[], text[]) FROM PUBLIC;
REVOKE ALL ON FUNCTION core.restore_user_triggers(jsonb) FROM PUBLIC;
