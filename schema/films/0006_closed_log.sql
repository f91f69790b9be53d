-- films: the event log and the snapshots are written only through films' functions.
-- DESIGN.md section 6: an invariant lives in a constraint or trigger, or its table is closed to direct
-- writes. Sequence numbers unique and gapless per session, snapshots that match the events, the
-- session's counters: none of these can be a constraint on a partitioned log, so {{ app_role }}
-- loses INSERT, UPDATE and DELETE on films.events (and every partition of it) and films.state_snapshots,
-- and may write only the descriptive columns of films.sessions; films.append_event(s),
-- films.append_events_json and films.take_snapshot (SECURITY DEFINER, owned by {{ owner_role }}) write
-- the rest. Deleting a session still removes its events and snapshots (ON DELETE CASCADE runs with
-- the rights of the tables' owner).
-- sessions.last_event_at (new) keeps time moving forward within a session without reading the log.

ALTER TABLE films.sessions ADD COLUMN last_event_at timestamptz;

COMMENT ON COLUMN films.sessions.last_event_at IS
'Time of the newest event (NULL before the first): the next event may not be dated earlier.';

UPDATE films.sessions AS s SET last_event_at = e.last_at
FROM (
    SELECT
        e.session_id,
        max(e.created_at) AS last_at
    FROM films.events AS e
    GROUP BY e.session_id
) AS e
WHERE e.session_id = s.id;

REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON films.events, films.state_snapshots FROM {{ app_role }};
REVOKE INSERT, UPDATE ON films.sessions FROM {{ app_role }};
GRANT INSERT (
    id, app_name, user_id, session_name, state, agent_config, root_agent_name, status, started_at, ended_at
) ON films.sessions TO {{ app_role }};
GRANT UPDATE (session_name, agent_config, root_agent_name, status, ended_at, updated_at)
ON films.sessions TO {{ app_role }};

-- Partitions made so far; core.create_partition gives later ones their parent's privileges.
DO $partitions$
DECLARE
    v_partition regclass;
BEGIN
    FOR v_partition IN SELECT p.partition FROM core.partitions_of('films.events') AS p LOOP
        EXECUTE format('REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON %s FROM %I', v_partition, '{{ app_role }}');
    END LOOP;
END
$partitions$;
