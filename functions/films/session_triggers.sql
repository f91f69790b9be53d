-- films: triggers on sessions that keep derived data true.
--   sessions_initial_values: a new session's counters start at 0 and updated_at at now() when the
--     insert leaves them out (schema/films/0012: not column defaults, which Citus would write out).
--   sessions_split_initial_state: a session created with app:/user:/temp: keys in its initial state
--     is split the way ADK's create_session splits it: app: keys into films.app_states, user: keys
--     into films.user_states (without their prefix), temp: keys dropped; sessions.state keeps only
--     the session's own keys.
--   sessions_initial_snapshot: every session starts with an automatic snapshot at event 0, so
--     films.session_state_at() always has a starting point, even for a session created with state.
--     SECURITY DEFINER: {{ app_role }} creates sessions but may not write snapshots itself.
--   sessions_delete_events: deleting sessions deletes their events (films.events has no foreign key
--     to films.sessions: its only writers, films.append_event(s), guarantee the session; see
--     schema/films/0007). One statement for all the deleted sessions, as the owner (the log is
--     closed to {{ app_role }}). On a Citus cluster a statement trigger cannot reach the shards of
--     another table from a shard (the trigger's statement would be a distributed query over a
--     transition table): there the trigger is a row trigger, and each deleted session's events go
--     by its key, on its shard.
--   sessions_updated_at / film_projects_updated_at: core.set_updated_at(). On sessions, which
--     append_event updates with every event (setting updated_at itself), the trigger names the
--     columns other than the counters, last_event_at and updated_at: an update of those alone (only
--     films' append functions make one, and they set updated_at) does not even consider it, and
--     PostgreSQL then does not read and plan its WHEN clause for that statement. The WHEN clause
--     skips the call when the update sets updated_at itself; the result is the same.

CREATE OR REPLACE FUNCTION films.initial_session_values()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    NEW.total_events := coalesce(NEW.total_events, 0);
    NEW.total_tool_calls := coalesce(NEW.total_tool_calls, 0);
    NEW.total_tokens_used := coalesce(NEW.total_tokens_used, 0);
    NEW.last_sequence := coalesce(NEW.last_sequence, 0);
    NEW.updated_at := coalesce(NEW.updated_at, now());
    RETURN NEW;
END
$$;

COMMENT ON FUNCTION films.initial_session_values() IS
'BEFORE INSERT trigger on films.sessions: counters omitted by the insert start at 0, updated_at at now().';

CREATE OR REPLACE TRIGGER sessions_initial_values BEFORE INSERT ON films.sessions
FOR EACH ROW EXECUTE FUNCTION films.initial_session_values();

CREATE OR REPLACE FUNCTION films.split_initial_state()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF jsonb_typeof(NEW.state) <> 'object' OR NOT EXISTS (
        SELECT FROM jsonb_object_keys(NEW.state) AS k WHERE k ~ '^(app|user|temp):'
    ) THEN
        RETURN NEW;  -- the CHECK on state reports a non-object; most sessions have no prefixed key
    END IF;
    IF EXISTS (SELECT FROM pg_catalog.pg_extension WHERE extname = 'citus') THEN
        -- On a Citus cluster this runs on the session's shard, which cannot write the reference
        -- tables app_states and user_states (every node has a copy).
        RAISE EXCEPTION USING ERRCODE = 'feature_not_supported',
            MESSAGE = 'on Citus, a new session''s state cannot hold app: or user: keys',
            HINT = 'Create the session with its own keys, then append those keys as a state_update event '
                   '(films.append_event), which writes them to app_states and user_states.';
    END IF;
    PERFORM films.apply_scoped_state(NEW.app_name, NEW.user_id, NEW.state);
    NEW.state := films.delta_scope(NEW.state, 'session');
    RETURN NEW;
END
$$;

COMMENT ON FUNCTION films.split_initial_state() IS
'BEFORE INSERT trigger on films.sessions: app:/user: keys of the initial state go to their scopes
(ADK create_session), temp: keys are dropped; sessions.state keeps the session''s own keys.';

CREATE OR REPLACE TRIGGER sessions_split_initial_state BEFORE INSERT ON films.sessions
FOR EACH ROW EXECUTE FUNCTION films.split_initial_state();

CREATE OR REPLACE FUNCTION films.snapshot_new_session()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
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

REVOKE ALL ON FUNCTION films.snapshot_new_session() FROM PUBLIC;

CREATE OR REPLACE FUNCTION films.delete_events_of_sessions()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF TG_LEVEL = 'ROW' THEN  -- on Citus
        DELETE FROM films.events AS e WHERE e.session_id = OLD.id AND e.created_at >= OLD.started_at;
    ELSE
        DELETE FROM films.events AS e USING deleted_sessions AS d
        WHERE e.session_id = d.id AND e.created_at >= d.started_at;
    END IF;
    RETURN NULL;
END
$$;

COMMENT ON FUNCTION films.delete_events_of_sessions() IS
'AFTER DELETE trigger on films.sessions: the events of the deleted sessions go with them (a statement
trigger; a row trigger on a Citus cluster).';

DO $trigger$
BEGIN
    IF EXISTS (SELECT FROM pg_catalog.pg_extension WHERE extname = 'citus') THEN
        CREATE OR REPLACE TRIGGER sessions_delete_events AFTER DELETE ON films.sessions
        FOR EACH ROW EXECUTE FUNCTION films.delete_events_of_sessions();
    ELSE
        CREATE OR REPLACE TRIGGER sessions_delete_events AFTER DELETE ON films.sessions
        REFERENCING OLD TABLE AS deleted_sessions
        FOR EACH STATEMENT EXECUTE FUNCTION films.delete_events_of_sessions();
    END IF;
END
$trigger$;

REVOKE ALL ON FUNCTION films.delete_events_of_sessions() FROM PUBLIC;

CREATE OR REPLACE TRIGGER sessions_updated_at BEFORE UPDATE OF
    id, app_name, user_id, session_name, state, agent_config, root_agent_name, status, started_at, ended_at
ON films.sessions
FOR EACH ROW WHEN (OLD.updated_at IS NOT DISTINCT FROM NEW.updated_at)
EXECUTE FUNCTION core.set_updated_at();

CREATE OR REPLACE TRIGGER film_projects_updated_at BEFORE UPDATE ON films.film_projects
FOR EACH ROW EXECUTE FUNCTION core.set_updated_at();
