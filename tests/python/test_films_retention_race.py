"""films.drop_old_event_partitions against a backdated append in flight: the decision and the drop
are one atomic step, so the appended event is never dropped with its partition.

The two sides are interleaved deterministically: the writer holds its append open (uncommitted)
while retention runs; the writer commits only once retention has finished or is seen waiting on a
lock (pg_stat_activity), never after a sleep."""

import threading

import psycopg

from conftest import dbctl, query, wait_while_running_until_blocked

SESSION = "0190a0c0-0000-7000-8000-0000000000f1"


def test_backdated_append_is_not_dropped_with_its_partition(database):
    dbctl("migrate", "--module", "films", dsn=database, check=True)
    with psycopg.connect(database, autocommit=True) as conn:
        conn.execute("INSERT INTO films.users (id, email, username) VALUES "
                     "('0190a0c0-0000-7000-8000-0000000000f0', 'r@example.com', 'r')")
        conn.execute("INSERT INTO films.sessions (id, user_id, started_at, status) VALUES "
                     "(%s, '0190a0c0-0000-7000-8000-0000000000f0', '2023-01-01+00', 'active')", (SESSION,))
        conn.execute("SELECT films.create_events_partition('2023-01-01')")

    writer = psycopg.connect(database)  # a transaction, held open
    writer.execute("SELECT films.append_event(%s, 'user_message', '{}', p_created_at => '2023-01-05+00')", (SESSION,))
    writer_pid = writer.info.backend_pid

    outcome = {}

    def retention():
        with psycopg.connect(database, autocommit=True) as conn:
            outcome["rows"] = conn.execute(
                "SELECT partition, outcome FROM films.drop_old_event_partitions(12, '2025-06-01+00') "
                "WHERE partition = 'films.events_2023_01'").fetchall()

    thread = threading.Thread(target=retention)
    thread.start()
    wait_while_running_until_blocked(database, writer_pid, thread)
    writer.commit()  # the append commits while retention has decided, or is waiting to
    writer.close()
    thread.join(60)

    assert not thread.is_alive()
    assert outcome["rows"] and outcome["rows"][0][1] in ("skipped", "failed"), outcome
    events = query(database, "SELECT count(*) FROM films.events WHERE session_id = %s", (SESSION,))[0][0]
    last = query(database, "SELECT last_sequence FROM films.sessions WHERE id = %s", (SESSION,))[0][0]
    assert (events, last) == (1, 1), "the session's event must survive retention"
