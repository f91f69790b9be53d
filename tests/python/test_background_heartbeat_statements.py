"""heartbeat() writes the agent's state only when it differs: its existence check reads the state, so
the heartbeat of an agent already in the reported state (every beat of a running agent) runs no UPDATE
statement of its own, one executor start-up less per call in the fleet's hottest path; an agent in
another state (stale) is still set to the reported one. Statements counted with pg_stat_statements
(track = all), which the embedded server preloads."""

import psycopg

from conftest import dbctl

STATE_UPDATE = "UPDATE background.agents AS a SET state = p_state%"


def state_updates(conn) -> int:
    """Executions of heartbeat()'s state UPDATE in this database since the reset."""
    return conn.execute(
        """SELECT coalesce(sum(calls), 0)::int FROM extensions.pg_stat_statements
           WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) AND query LIKE %s""",
        (STATE_UPDATE,)).fetchone()[0]


def test_heartbeat_updates_the_state_only_when_it_changes(database):
    dbctl("migrate", "--module", "background", dsn=database, check=True)
    with psycopg.connect(database, autocommit=True) as conn:
        assert "pg_stat_statements" in conn.execute("SHOW shared_preload_libraries").fetchone()[0], \
            "the embedded server preloads pg_stat_statements; this test counts statements with it"
        conn.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements WITH SCHEMA extensions")
        conn.execute("INSERT INTO background.agents (agent_id, state) VALUES ('hs-running', 'running'), "
                     "('hs-stale', 'stale')")
        conn.execute("SET pg_stat_statements.track = 'all'")
        conn.execute("SELECT extensions.pg_stat_statements_reset(0, "
                     "(SELECT oid FROM pg_database WHERE datname = current_database()), 0)")
        for _ in range(3):
            conn.execute("SELECT background.heartbeat('hs-running')")
        assert state_updates(conn) == 0, "a running agent's heartbeat ran an UPDATE of its state"
        conn.execute("SELECT background.heartbeat('hs-stale')")
        assert state_updates(conn) == 1
        assert conn.execute("SELECT agent_id, state FROM background.agents WHERE agent_id LIKE 'hs-%' "
                            "ORDER BY agent_id").fetchall() == [("hs-running", "running"), ("hs-stale", "running")]
        assert conn.execute("SELECT count(*) FROM background.agent_heartbeats").fetchone()[0] == 4
