"""films.append_event from two writers at once: the update of the session row is both the lock and the
check, so the second writer waits for the first and is then judged against the committed row.

Deterministic: the first writer holds its append open (uncommitted); the second starts its append in
a thread; the first commits only once the second is seen waiting on it (pg_blocking_pids)."""

import threading

import psycopg
import pytest

from conftest import dbctl, query, wait_while_running_until_blocked

USER = "0190a0c0-0000-7000-8000-0000000000c0"
SESSION = "0190a0c0-0000-7000-8000-0000000000c1"


def race(database, first_call: str, second_call: str):
    """The first writer runs first_call and holds it open; the second runs second_call meanwhile, and
    the first commits once the second waits on it. Returns the second's rows, or its exception."""
    first = psycopg.connect(database)
    first.execute(first_call, (SESSION,))
    outcome = {}

    def second():
        try:
            with psycopg.connect(database, autocommit=True) as conn:
                outcome["rows"] = conn.execute(second_call, (SESSION,)).fetchall()
        except psycopg.Error as error:
            outcome["error"] = error

    thread = threading.Thread(target=second)
    thread.start()
    assert wait_while_running_until_blocked(database, first.info.backend_pid, thread), \
        "the second writer must wait for the first one's row lock"
    first.commit()
    first.close()
    thread.join(30)
    assert not thread.is_alive()
    return outcome


FIRST_EVENT = "SELECT films.append_event(%s, 'user_message', '{\"n\": 1}', p_expected_sequence => 0)"


@pytest.fixture
def films_session(database):
    dbctl("migrate", "--module", "films", dsn=database, check=True)
    with psycopg.connect(database, autocommit=True) as conn:
        conn.execute("INSERT INTO films.users (id, email, username) VALUES (%s, 'w@example.com', 'w')", (USER,))
        conn.execute("INSERT INTO films.sessions (id, user_id) VALUES (%s, %s)", (SESSION, USER))
    return database


def test_a_writer_expecting_the_same_sequence_is_told_to_retry(films_session):
    outcome = race(films_session, FIRST_EVENT, "SELECT * FROM films.append_event(%s, 'user_message', "
                                               "'{\"n\": 2}', p_expected_sequence => 0)")
    assert isinstance(outcome.get("error"), psycopg.errors.SerializationFailure), outcome
    assert "is at event 1, not 0" in str(outcome["error"])
    rows = query(films_session, "SELECT sequence_number, event_data::text FROM films.events "
                                "WHERE session_id = %s", (SESSION,))
    assert rows == [(1, '{"n": 1}')]
    assert query(films_session, "SELECT last_sequence, total_events FROM films.sessions WHERE id = %s",
                 (SESSION,)) == [(1, 1)]


def test_a_writer_without_expectation_queues_and_takes_the_next_number(films_session):
    outcome = race(films_session, FIRST_EVENT, "SELECT sequence_number FROM films.append_event(%s, "
                                               "'user_message', '{\"n\": 2}', '{\"k\": 2}')")
    assert outcome.get("rows") == [(2,)], outcome
    assert query(films_session, "SELECT sequence_number FROM films.events WHERE session_id = %s "
                                "ORDER BY 1", (SESSION,)) == [(1,), (2,)]
    assert query(films_session, "SELECT last_sequence, total_events, state FROM films.sessions WHERE id = %s",
                 (SESSION,)) == [(2, 2, {"k": 2})]


def test_a_writer_waiting_on_a_session_being_archived_is_refused(films_session):
    outcome = race(films_session, "UPDATE films.sessions SET status = 'archived' WHERE id = %s",
                   "SELECT * FROM films.append_event(%s, 'user_message', '{}')")
    assert isinstance(outcome.get("error"), psycopg.errors.ObjectNotInPrerequisiteState), outcome
    assert query(films_session, "SELECT count(*) FROM films.events WHERE session_id = %s", (SESSION,)) == [(0,)]
