-- films: the counters of a new session come from a trigger, not from column defaults.
-- The application may insert only some columns of films.sessions (schema/films/0006); the counters
-- (total_events, total_tool_calls, total_tokens_used, last_sequence) and updated_at are films'. On a
-- Citus coordinator an INSERT reaches the shard with every column that has a default written out
-- (Citus evaluates defaults before it routes the row), so a default on a column the application
-- may not insert makes every session insert fail there (42501). Without the defaults, the trigger
-- sessions_initial_values (functions/films/session_triggers.sql) gives an omitted counter its
-- starting value, on one server and on a shard alike; what the application may insert is unchanged.
-- Between this file and the functions file of the same `dbctl migrate` (milliseconds), a session
-- insert that omits a counter fails with 23502; a client retries it.
-- ban-drop-default: the trigger gives every insert that omits these columns the values the
-- defaults gave; no client sets them (the application may not).

-- squawk-ignore ban-drop-default
ALTER TABLE films.sessions ALTER COLUMN total_events DROP DEFAULT;
-- squawk-ignore ban-drop-default
ALTER TABLE films.sessions ALTER COLUMN total_tool_calls DROP DEFAULT;
-- squawk-ignore ban-drop-default
ALTER TABLE films.sessions ALTER COLUMN total_tokens_used DROP DEFAULT;
-- squawk-ignore ban-drop-default
ALTER TABLE films.sessions ALTER COLUMN last_sequence DROP DEFAULT;
-- squawk-ignore ban-drop-default
ALTER TABLE films.sessions ALTER COLUMN updated_at DROP DEFAULT;
