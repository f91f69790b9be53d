"""memory: the v1 -> v2 message migration under concurrent v1 writes. Writers insert, update and
delete v1 messages while the backfill runs; after every backfill batch the test waits until every
writer has written again, so batches and writes interleave throughout. At the end nothing is lost or
duplicated: validation is clean and every v1 row has exactly one v2 copy."""

import random
import threading
import time

import psycopg

from conftest import dbctl, query

WRITERS = 4
V1_ROWS = 2000
CHANNELS = ["0190a0c0-0000-7000-8000-0000000f1c0%d" % n for n in range(1, 5)]


def writer(dsn, number, stop, ops, errors):
    rng = random.Random(number)
    try:
        with psycopg.connect(dsn, autocommit=True) as conn:
            while not stop.is_set():
                kind = rng.random()
                if kind < 0.5:
                    conn.execute("INSERT INTO memory.chat_messages (channel_id, content) VALUES (%s, %s)",
                                 (rng.choice(CHANNELS), f"written by {number}"))
                elif kind < 0.85:
                    conn.execute("UPDATE memory.chat_messages SET content = content || ' (edited)' WHERE id = "
                                 "(SELECT id FROM memory.chat_messages ORDER BY random() LIMIT 1)")
                else:
                    conn.execute("DELETE FROM memory.chat_messages WHERE id = "
                                 "(SELECT id FROM memory.chat_messages ORDER BY random() LIMIT 1)")
                ops[number] += 1
    except psycopg.Error as exc:
        errors.append(f"{exc.sqlstate}: {exc}")


def wait_for_writes(ops, seen, errors):
    """Until every writer has written since `seen` (a condition, polled), at most 30 s."""
    deadline = time.monotonic() + 30
    while any(ops[i] <= seen[i] for i in range(WRITERS)) and not errors:
        assert time.monotonic() < deadline, "the writers stopped writing"
        time.sleep(0.005)
    return list(ops)


def test_backfill_with_concurrent_v1_writes_loses_and_duplicates_nothing(database):
    dbctl("migrate", "--module", "memory", dsn=database, check=True)
    with psycopg.connect(database, autocommit=True) as conn:
        for n, channel in enumerate(CHANNELS):
            conn.execute("INSERT INTO memory.channels (id, name) VALUES (%s, %s)", (channel, f"channel {n}"))
        conn.execute("INSERT INTO memory.chat_messages (channel_id, content, created_at) "
                     "SELECT (%s::uuid[])[1 + g %% 4], 'old message ' || g, now() - g * interval '1 minute' "
                     "FROM generate_series(1, %s) AS g", (CHANNELS, V1_ROWS))
        conn.execute("SELECT memory.start_messages_v2()")

        stop, ops, errors = threading.Event(), [0] * WRITERS, []
        threads = [threading.Thread(target=writer, args=(database, i, stop, ops, errors)) for i in range(WRITERS)]
        for thread in threads:
            thread.start()
        try:
            seen, batches = list(ops), 0
            while True:
                done = conn.execute("SELECT done FROM memory.backfill_messages_v2(50)").fetchone()[0]
                if done:
                    break
                batches += 1
                seen = wait_for_writes(ops, seen, errors)
        finally:
            stop.set()
            for thread in threads:
                thread.join(30)
        assert not errors, errors
        assert batches >= V1_ROWS // 50, "the backfill ran in batches while the writers wrote"
        assert sum(ops) >= WRITERS * batches

        # Rows the writers inserted after the backfill's last batch were all copied by the trigger.
        while True:
            copied, _, done = conn.execute("SELECT * FROM memory.backfill_messages_v2(50)").fetchone()
            assert copied == 0
            if done:
                break
        assert conn.execute("SELECT * FROM memory.validate_messages_v2()").fetchall() == []
        v1, mapped, copies = conn.execute("""
            SELECT (SELECT count(*) FROM memory.chat_messages),
                   (SELECT count(*) FROM memory.message_id_map),
                   (SELECT count(*) FROM memory.chat_messages_v2 WHERE audit ->> 'migrated_from' = 'chat_messages')
        """).fetchone()
        assert v1 == mapped == copies
        assert conn.execute("SELECT count(*) FROM memory.message_id_map WHERE copied_by = 'dual_write'").fetchone()[0] > 0
        conn.execute("SELECT memory.finish_messages_v2()")
        assert conn.execute("SELECT count(*) FROM memory_archive.chat_messages").fetchone()[0] == v1
