"""A heartbeat locks its agent's row only to move its last heartbeat: a late (backdated, retried or
imported) heartbeat of one agent, which leaves last_heartbeat_at where it is, takes no lock on the
agent beyond the foreign key's KEY SHARE, so it never waits for a session holding the agent FOR
SHARE; a current one, which moves it, does (and is refused here by lock_timeout: the test can tell)."""

import psycopg
import pytest

from conftest import dbctl

LATE = [
    ("SELECT background.heartbeat('lock-agent', 'running', 0, NULL, now() - interval '1 hour')", ()),
    ("INSERT INTO background.agent_heartbeats (agent_id, timestamp, state) "
     "VALUES ('lock-agent', now() - interval '2 hours', 'running')", ()),
]


def test_a_late_heartbeat_does_not_wait_for_its_agent(database):
    dbctl("migrate", "--module", "background", dsn=database, check=True)
    with psycopg.connect(database, autocommit=True) as conn:
        conn.execute("INSERT INTO background.agents (agent_id, state) VALUES ('lock-agent', 'running')")
        conn.execute("SELECT background.heartbeat('lock-agent')")
        last = conn.execute("SELECT last_heartbeat_at FROM background.agents WHERE agent_id = 'lock-agent'").fetchone()[0]
    with psycopg.connect(database) as holder, psycopg.connect(database, autocommit=True) as writer:
        holder.execute("SELECT * FROM background.agents WHERE agent_id = 'lock-agent' FOR SHARE")
        writer.execute("SET lock_timeout = '3s'")
        for statement, params in LATE:
            writer.execute(statement, params)  # would wait for the holder, then fail with 55P03
        writer.execute("SET lock_timeout = '200ms'")
        with pytest.raises(psycopg.errors.LockNotAvailable):
            writer.execute("SELECT background.heartbeat('lock-agent')")
        holder.rollback()
        assert writer.execute("SELECT last_heartbeat_at, (SELECT count(*) FROM background.agent_heartbeats) "
                              "FROM background.agents WHERE agent_id = 'lock-agent'").fetchone() == (last, 3)
        assert writer.execute("SELECT sum(heartbeats) FROM background.heartbeat_minutes").fetchone()[0] == 3
