"""Maintenance that really commits: a row referenced by a foreign key in a default partition (the four
statements a new user ran), and one poisoned table and one poisoned task in a run that must still
premake, rescue and drop for the others. Times are relative to the server's clock in ways that hold
on any day (39 days back is always before the current month)."""

import random
import threading
import time
import uuid

import psycopg
import pytest

from conftest import dbctl, query


@pytest.fixture
def roles(admin_dsn, database):
    """Makes cluster roles for one test (a maintenance login, a stranger); drops them after it."""
    made = []

    def make(sql):
        name = f"maint_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(admin_dsn, autocommit=True) as conn:
            conn.execute(sql.format(name=name))
        made.append(name)
        return name

    yield make
    with psycopg.connect(database, autocommit=True) as conn:
        for name in made:
            conn.execute(f"DROP OWNED BY {name}")
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        for name in made:
            conn.execute(f"DROP ROLE {name}")


def as_login(dsn, name):
    params = psycopg.conninfo.conninfo_to_dict(dsn)
    params.update(user=name, password="secret")
    return psycopg.conninfo.make_conninfo(**params)


def test_a_referenced_row_in_the_default_partition_is_rescued_and_the_run_commits(database, roles):
    dbctl("migrate", "--module", "films", dsn=database, check=True)
    with psycopg.connect(database, autocommit=True) as conn:
        uid = conn.execute("INSERT INTO films.users (username, email) VALUES ('u1', 'u1@x.invalid') "
                           "RETURNING id").fetchone()[0]
        sid = conn.execute("INSERT INTO films.sessions (user_id, started_at) VALUES (%s, now() - interval '40 days') "
                           "RETURNING id", (uid,)).fetchone()[0]
        conn.execute("SELECT films.append_event(%s, 'agent_transfer', '{}'::json, p_agent_name => 'a', "
                     "p_transfer_to_agent => 'b', p_transfer_reason => 'r', "
                     "p_created_at => now() - interval '39 days')", (sid,))
    before = query(database, "SELECT * FROM films.agent_transfers")
    assert query(database, "SELECT tableoid::regclass::text FROM films.events") == [("films.events_default",)]

    cron = roles("CREATE ROLE {name} LOGIN PASSWORD 'secret' IN ROLE agentdb_maintenance")
    with psycopg.connect(as_login(database, cron), autocommit=True) as conn:  # the documented cron line
        assert conn.execute("SELECT count(*) FROM core.run_maintenance()").fetchone()[0] > 0
    assert query(database, "SELECT action, outcome FROM core.maintenance_log WHERE target = 'films.events' "
                           "AND action = 'rescue'") == [("rescue", "ok")]
    assert query(database, "SELECT tableoid::regclass::text FROM films.events")[0][0] != "films.events_default"
    assert query(database, "SELECT * FROM films.agent_transfers") == before
    assert query(database, "SELECT count(*) FROM core.maintenance_log WHERE outcome = 'failed'") == [(0,)]

    again = dbctl("maintain", dsn=as_login(database, cron))
    assert again.returncode == 0 and "failed" not in again.stdout, again.stdout + again.stderr


POISON = """
CREATE SCHEMA app AUTHORIZATION agentdb_owner;
SET ROLE agentdb_owner;
CREATE TABLE app.good (n int NOT NULL, at timestamptz NOT NULL) PARTITION BY RANGE (at);
CREATE TABLE app.poisoned (id int NOT NULL, at timestamptz NOT NULL, PRIMARY KEY (id, at)) PARTITION BY RANGE (at);
CREATE TABLE app.parents (id int PRIMARY KEY);
CREATE TABLE app.children (parent_id int REFERENCES app.parents DEFERRABLE INITIALLY DEFERRED);
CREATE FUNCTION app.bad_task(p_now timestamptz) RETURNS bigint LANGUAGE sql AS
$$ DELETE FROM app.parents RETURNING 1::bigint $$;
RESET ROLE;
SELECT core.register_partitioned_table('app.good', 'day', p_premake => 2, p_retention => '10 days',
                                       p_now => now() - interval '30 days');
SELECT core.register_partitioned_table('app.poisoned', 'month', p_premake => 1);
SELECT core.register_maintenance_task('app.bad_task(timestamptz)'::regprocedure, 'deletes a parent still referenced');
INSERT INTO app.good VALUES (1, now() - interval '2 days');
INSERT INTO app.poisoned VALUES (1, now() - interval '40 days');
INSERT INTO app.parents VALUES (1);
INSERT INTO app.children VALUES (1);
"""


def test_one_poisoned_table_and_task_never_undo_the_others(database, roles):
    dbctl("migrate", "--module", "core", dsn=database, check=True)
    with psycopg.connect(database, autocommit=True) as conn:
        conn.execute(POISON)
    stranger = roles("CREATE ROLE {name} NOLOGIN")
    with psycopg.connect(database, autocommit=True) as conn:  # a table maintenance may not read references it
        conn.execute(f"GRANT USAGE ON SCHEMA app TO {stranger}")
        conn.execute(f"GRANT REFERENCES ON app.poisoned TO {stranger}")
        conn.execute("CREATE TABLE app.stranger_notes (id int, at timestamptz, FOREIGN KEY (id, at) "
                     "REFERENCES app.poisoned (id, at) DEFERRABLE INITIALLY IMMEDIATE)")
        conn.execute(f"ALTER TABLE app.stranger_notes OWNER TO {stranger}")
        conn.execute("INSERT INTO app.stranger_notes SELECT id, at FROM app.poisoned")
    old_partitions = query(database, "SELECT partition::text FROM core.partitions_of('app.good') WHERE NOT is_default "
                                     "AND upper_bound <= now() - interval '10 days'")
    assert len(old_partitions) == 3

    with psycopg.connect(database, autocommit=True) as conn:  # one statement, one transaction, a real COMMIT
        report = conn.execute("SELECT target, action, partition, outcome, left(message, 5) "
                              "FROM core.run_maintenance()").fetchall()

    failed = {(target, action, sqlstate) for target, action, _, outcome, sqlstate in report if outcome == "failed"}
    assert failed == {("app.poisoned", "rescue", "42501"), ("app.bad_task(timestamp with time zone)", "task", "23503")}
    good = {(action, partition) for target, action, partition, outcome, _ in report
            if target == "app.good" and outcome == "ok"}
    made = {partition for action, partition in good if action == "create"}
    rescued = {partition for action, partition in good if action == "rescue"}
    assert {partition for action, partition in good if action == "drop"} == {p for (p,) in old_partitions}, good
    assert len(made) == 3 and len(rescued) == 1, good

    # Seen from another session: the others' work is committed.
    assert query(database, "SELECT tableoid::regclass::text FROM app.good") == [(rescued.pop(),)]
    assert query(database, "SELECT count(*) FROM core.partitions_of('app.good') WHERE partition::text = ANY (%s)",
                 ([p for (p,) in old_partitions],)) == [(0,)]
    assert query(database, "SELECT count(*) FROM core.partitions_of('app.good') WHERE partition::text = ANY (%s)",
                 (list(made),)) == [(3,)]
    # ... and the poisoned table's and task's are not.
    assert query(database, "SELECT tableoid::regclass::text FROM app.poisoned") == [("app.poisoned_default",)]
    assert query(database, "SELECT id FROM app.parents") == [(1,)]
    assert query(database, "SELECT target, action FROM core.maintenance_log WHERE outcome = 'failed' ORDER BY 1") == [
        ("app.bad_task(timestamp with time zone)", "task"), ("app.poisoned", "rescue")]


def test_referenced_rows_are_rescued_while_writers_append_transfers(database):
    """Writers append agent transfers to backdated sessions (their events land in the default
    partition, months apart) while maintenance runs again and again: no writer fails, no event or
    transfer is lost or duplicated, every transfer still points at its event."""
    dbctl("migrate", "--module", "films", dsn=database, check=True)
    uid = query(database, "INSERT INTO films.users (username, email) VALUES ('w', 'w@x.invalid') RETURNING id")[0][0]
    stop, appended, failures = threading.Event(), [], []

    def writer(number):
        rng = random.Random(number)
        with psycopg.connect(database, autocommit=True) as conn:
            while not stop.is_set():
                days = rng.randint(45, 1500)
                sid = conn.execute("INSERT INTO films.sessions (user_id, started_at) "
                                   "VALUES (%s, now() - %s * interval '1 day') RETURNING id", (uid, days)).fetchone()[0]
                for minute in range(5):
                    try:
                        conn.execute("SELECT films.append_event(%s, 'agent_transfer', '{}'::json, p_agent_name => 'a', "
                                     "p_transfer_to_agent => 'b', "
                                     "p_created_at => now() - %s * interval '1 day' + %s * interval '1 minute')",
                                     (sid, days, minute + 1))
                        appended.append(sid)
                    except psycopg.Error as exc:
                        failures.append(f"writer {number}: {exc.sqlstate} {exc}")

    writers = [threading.Thread(target=writer, args=(n,)) for n in range(3)]
    for thread in writers:
        thread.start()
    outcomes = []
    try:
        with psycopg.connect(database, autocommit=True) as conn:
            for _ in range(25):
                outcomes += conn.execute("SELECT action, outcome, message FROM core.run_maintenance() "
                                         "WHERE target = 'films.events'").fetchall()
                time.sleep(0.02)
    finally:
        stop.set()
        for thread in writers:
            thread.join()
    with psycopg.connect(database, autocommit=True) as conn:
        for _ in range(100):  # at most 24 months a run; writers are done
            if conn.execute("SELECT rows_in_default FROM core.maintenance_health "
                            "WHERE parent = 'films.events'::regclass").fetchone()[0] == 0:
                break
            outcomes += conn.execute("SELECT action, outcome, message FROM core.run_maintenance() "
                                     "WHERE target = 'films.events'").fetchall()

    rescued = [message for action, outcome, message in outcomes if action == "rescue" and outcome == "ok"]
    print(f"\n{len(appended)} transfers appended during {len(rescued)} rescues; "
          f"{sum(1 for _, outcome, _ in outcomes if outcome == 'failed')} steps timed out")
    assert failures == []
    assert any("rows referencing them taken out and put back" in (m or "") for m in rescued), outcomes
    assert all((m or "").startswith("55P03") for action, outcome, m in outcomes if outcome == "failed"), outcomes
    assert query(database, "SELECT rows_in_default FROM core.maintenance_health "
                           "WHERE parent = 'films.events'::regclass") == [(0,)]
    assert query(database, "SELECT count(*), count(DISTINCT (session_id, event_id)) FROM films.agent_transfers") == [
        (len(appended), len(appended))]
    assert query(database, "SELECT count(*) FROM films.agent_transfers AS t JOIN films.events AS e "
                           "ON (e.session_id, e.id, e.created_at) = (t.session_id, t.event_id, t.event_created_at)"
                           ) == [(len(appended),)]
