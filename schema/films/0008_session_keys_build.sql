-- dbctl:no-transaction
-- films: the indexes of the session-scoped keys, built without blocking writers (step 1 of 4).
-- On Citus (docs/scale-out.md, DESIGN.md section 8) every primary key of a table distributed by
-- session must contain session_id, and foreign keys between them must pair session_id with it. The
-- new keys are (id, session_id): id first, so lookups by id alone still use them and inserts stay at
-- the right edge of the index (time-ordered UUIDs). 0009 swaps each primary key onto its index under
-- a short lock. Each statement commits on its own; if a build fails it leaves an INVALID index:
-- drop it (DROP INDEX CONCURRENTLY films.<name>) and migrate again. films.events is partitioned
-- (CONCURRENTLY is not available on the parent) and gets its key in 0010.

CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS questions_id_session ON films.questions (id, session_id);
CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS answers_id_session ON films.answers (id, session_id);
CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS inferential_reasoning_id_session
ON films.inferential_reasoning (id, session_id);
CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS agent_transfers_id_session ON films.agent_transfers (id, session_id);
CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS state_snapshots_id_session ON films.state_snapshots (id, session_id);
CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS film_projects_id_session ON films.film_projects (id, session_id);
