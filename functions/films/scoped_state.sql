-- films.apply_scoped_state(app, user, delta): the app: and user: keys of a state delta written to
-- their scopes, films.app_states and films.user_states, without their prefix (ADK's scopes). One
-- place for the appends (films.append_event / append_events) and for a session's initial state
-- (films.split_initial_state). Keys of other scopes are ignored here; a NULL delta changes nothing.

CREATE OR REPLACE FUNCTION films.apply_scoped_state(p_app_name text, p_user_id uuid, p_delta jsonb)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_part jsonb;
    -- now() as a value: Citus takes only immutable functions in the DO UPDATE SET of a distributed
    -- (here: reference) table.
    v_now constant timestamptz := now();
BEGIN
    v_part := films.delta_scope(p_delta, 'app');
    IF v_part <> '{}' THEN
        INSERT INTO films.app_states AS a (app_name, state) VALUES (p_app_name, v_part)
        ON CONFLICT (app_name) DO UPDATE SET state = films.apply_delta(a.state, v_part), updated_at = v_now;
    END IF;
    v_part := films.delta_scope(p_delta, 'user');
    IF v_part <> '{}' THEN
        INSERT INTO films.user_states AS u (app_name, user_id, state) VALUES (p_app_name, p_user_id, v_part)
        ON CONFLICT (app_name, user_id) DO UPDATE SET state = films.apply_delta(u.state, v_part), updated_at = v_now;
    END IF;
END
$$;

COMMENT ON FUNCTION films.apply_scoped_state(text, uuid, jsonb) IS
'Writes the app: and user: keys of a delta to films.app_states and films.user_states (prefix removed).';

REVOKE ALL ON FUNCTION films.apply_scoped_state(text, uuid, jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION films.apply_scoped_state(text, uuid, jsonb) TO {{ app_role }};
