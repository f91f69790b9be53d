-- films: triggers on sessions that keep derived data true.
--   sessions_initial_snapshot: every session starts with an automatic snapshot at event 0, so
--     films.session_state_at() always has a starting point, even for a session created with state.
--   sessions_updated_at / film_projects_updated_at: core.set_updated_at(). On sessions, which
--     append_event updates with every event (setting updated_at itself), the WHEN clause skips
--     the call in that case; the result is the same.

CREATE OR REPLACE FUNCTION films.snapshot_new_session()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    INSERT INTO films.state_snapshots (session_id, snapshot_type, state, event_sequence_num, description, created_at)
    VALUES (NEW.id, 'automatic', NEW.state, NEW.last_sequence, 'initial state', NEW.started_at);
    RETURN NULL;
END
$$;

COMMENT ON FUNCTION films.snapshot_new_session() IS
'AFTER INSERT trigger on films.sessions: the initial automatic snapshot.';

CREATE OR REPLACE TRIGGER sessions_initial_snapshot AFTER INSERT ON films.sessions
FOR EACH ROW EXECUTE FUNCTION films.snapshot_new_session();

CREATE OR REPLACE TRIGGER sessions_updated_at BEFORE UPDATE ON films.sessions
FOR EACH ROW WHEN (OLD.updated_at IS NOT DISTINCT FROM NEW.updated_at)
EXECUTE FUNCTION core.set_updated_at();

CREATE OR REPLACE TRIGGER film_projects_updated_at BEFORE UPDATE ON films.film_projects
FOR EACH ROW EXECUTE FUNCTION core.set_updated_at();
