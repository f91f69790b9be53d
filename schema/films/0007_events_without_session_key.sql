-- films: films.events keeps its sessions without a foreign key.
-- Since 0006 only films.append_events writes the log, and it holds its session's row lock
-- (FOR NO KEY UPDATE, which a concurrent DELETE of the session waits for) while it inserts: the
-- session exists for every event, by construction. The foreign key checked it again for every
-- row, one lookup of films.sessions per event, about a sixth of the work of appending a batch. The
-- ON DELETE CASCADE it carried is now a statement trigger on films.sessions
-- (functions/films/session_triggers.sql: sessions_delete_events). DESIGN.md section 6.

-- squawk-ignore ban-drop-constraint
ALTER TABLE films.events DROP CONSTRAINT events_session_id_fkey;

COMMENT ON COLUMN films.events.session_id IS
'The session (films.sessions.id); guaranteed by films.append_events, the only writer, and removed
with its session by the trigger sessions_delete_events.';
