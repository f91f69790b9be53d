-- background: the global system state (spec 003 table 4) as set/get functions.

CREATE OR REPLACE FUNCTION background.set_system_state(
    p_key text, p_value jsonb, p_updated_by text DEFAULT NULL, p_now timestamptz DEFAULT now()
)
RETURNS background.system_state
LANGUAGE sql
SET search_path = pg_catalog, pg_temp
AS $$
    INSERT INTO background.system_state AS s (key, value, updated_at, updated_by)
    VALUES (background.checked_text(p_key, 'key'), p_value, background.checked_time(p_now), p_updated_by)
    ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at,
                                    updated_by = excluded.updated_by
    RETURNING *
$$;

COMMENT ON FUNCTION background.set_system_state(text, jsonb, text, timestamptz) IS
'Sets a global key to a JSON value (insert or update), recording who and when; returns the row.';

CREATE OR REPLACE FUNCTION background.get_system_state(p_key text)
RETURNS jsonb
LANGUAGE sql
STABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT s.value FROM background.system_state AS s WHERE s.key = p_key
$$;

COMMENT ON FUNCTION background.get_system_state(text) IS 'The value of a global key; NULL when it is not set.';

REVOKE ALL ON FUNCTION background.set_system_state(text, jsonb, text, timestamptz) FROM PUBLIC;
REVOKE ALL ON FUNCTION background.get_system_state(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION background.set_system_state(text, jsonb, text, timestamptz)
TO {{ app_role }}, {{ background_agents_role }};
GRANT EXECUTE ON FUNCTION background.get_system_state(text) TO {{ app_role }}, {{ background_agents_role }};
