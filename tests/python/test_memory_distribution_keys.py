"""memory: the distribution keys (schema/memory/0011 to 0016) applied to a populated database of the
release before them, taken from git history: the files of the commit that preceded 0011.

Deterministic steps: the old release is migrated and seeded, v1 messages are migrated and archived,
6,000 message versions and snapshots without an agent are written; 0011 alone is applied, then
versions are written by the old version trigger (the window before the functions are re-applied);
then the whole current release. A snapshot that has no agent anywhere stops the migration with its
hint; once it is given one, migrating again finishes. Every version ends with its message's session,
every key fits the plan."""

import io
import shutil
import subprocess
import tarfile

import pytest

from conftest import ROOT, dbctl, query

FIRST_KEY_FILE = "schema/memory/0011_distribution_columns.sql"
AGENT = "0190a0c0-0000-7000-8000-00000000a0a1"  # the seed's agent
SESSION = "0190a0c0-0000-7000-8000-00000000a005"  # the seed's session
ANSWER = "0190a0c0-0000-7000-8000-00000000a010"  # the seed's answer, sent by the agent
QUESTION = "0190a0c0-0000-7000-8000-00000000a00f"  # the seed's question, sent by the user


def release_before_keys(tmp_path):
    """The project as it was in the commit before the one that added 0011."""
    try:
        added = subprocess.run(["git", "-C", str(ROOT), "log", "--diff-filter=A", "--format=%H", "-1", "--",
                                FIRST_KEY_FILE], capture_output=True, text=True, check=True).stdout.strip()
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", f"{added}^"], capture_output=True,
                                 check=True).stdout
    except (OSError, subprocess.CalledProcessError) as exc:
        pytest.skip(f"git history unavailable: {exc}")
    root = tmp_path / "before"
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(root, filter="data")
    return root


def test_keys_applied_to_a_populated_database(database, tmp_path):
    before = release_before_keys(tmp_path)
    dbctl("migrate", "--module", "memory", dsn=database, project=before, check=True)
    dbctl("seed", "--module", "memory", dsn=database, project=before, check=True)
    query(database, """
        INSERT INTO memory.chat_messages (channel_id, content)
        SELECT '0190a0c0-0000-7000-8000-00000000a0d1', 'v1 ' || g FROM generate_series(1, 20) AS g;
        SELECT memory.start_messages_v2();
        SELECT * FROM memory.backfill_messages_v2(100);
        SELECT memory.finish_messages_v2();
        -- 6,000 versions: more than one backfill batch.
        DO $$ BEGIN FOR i IN 1 .. 6000 LOOP
            UPDATE memory.chat_messages_v2 SET content = jsonb_build_object('type', 'text', 'text', 'q' || i)
            WHERE id = '""" + QUESTION + """';
        END LOOP; END $$;
        -- Snapshots without an agent: one whose message an agent sent, one whose message's session has an agent.
        INSERT INTO memory.context_snapshots (message_id, snapshot_data)
        VALUES ('""" + ANSWER + """', '{"from": "sender"}'), ('""" + QUESTION + """', '{"from": "session"}');
        -- One with no agent anywhere: a session without an agent.
        INSERT INTO memory.conversation_sessions (id, conversation_id)
        VALUES ('0190a0c0-0000-7000-8000-0000000d2005', '0190a0c0-0000-7000-8000-0000000d2006');
        INSERT INTO memory.chat_messages_v2 (id, conversation_id, session_id, role, content)
        VALUES ('0190a0c0-0000-7000-8000-0000000d2010', '0190a0c0-0000-7000-8000-0000000d2006',
                '0190a0c0-0000-7000-8000-0000000d2005', 'user', '{"type": "text", "text": "anon"}');
        INSERT INTO memory.context_snapshots (id, message_id, snapshot_data)
        VALUES ('0190a0c0-0000-7000-8000-0000000d20c1', '0190a0c0-0000-7000-8000-0000000d2010', '{"from": "nowhere"}');
    """)

    # 0011 alone: the old version trigger still runs and leaves session_id out; the new one fills it.
    step = tmp_path / "step"
    shutil.copytree(before, step)
    shutil.copy(ROOT / FIRST_KEY_FILE, step / FIRST_KEY_FILE)
    dbctl("migrate", "--module", "memory", dsn=database, project=step, check=True)
    query(database, f"UPDATE memory.chat_messages_v2 SET content = '{{\"type\": \"text\", \"text\": \"late\"}}' "
                    f"WHERE id = '{ANSWER}'")
    assert query(database, f"SELECT session_id::text FROM memory.message_versions WHERE message_id = '{ANSWER}' "
                           "ORDER BY version_number DESC LIMIT 1") == [(SESSION,)]

    # The current release: refused while a snapshot has no agent anywhere, with what to do.
    refused = dbctl("migrate", "--module", "memory", dsn=database)
    assert refused.returncode != 0
    assert "1 context snapshots have no agent" in refused.stderr + refused.stdout
    assert "set their agent_id" in refused.stderr + refused.stdout
    assert query(database, "SELECT count(*) FROM memory.message_versions WHERE session_id IS NULL") == [(0,)], \
        "the backfill's batches stay committed"
    query(database, f"UPDATE memory.context_snapshots SET agent_id = '{AGENT}' "
                    "WHERE id = '0190a0c0-0000-7000-8000-0000000d20c1'")
    dbctl("migrate", "--module", "memory", dsn=database, check=True)

    assert query(database, """
        SELECT count(*), count(*) FILTER (WHERE v.session_id = m.session_id)
        FROM memory.message_versions AS v JOIN memory.chat_messages_v2 AS m ON m.id = v.message_id
    """) == [(6002, 6002)], "every version carries its message's session"
    assert query(database, "SELECT snapshot_data ->> 'from', agent_id::text FROM memory.context_snapshots "
                           "WHERE snapshot_data ? 'from' ORDER BY 1") == [
        ("nowhere", AGENT), ("sender", AGENT), ("session", AGENT)]
    assert query(database, "SELECT pg_get_constraintdef(oid) FROM pg_constraint "
                           "WHERE conname = 'chat_messages_pkey'") == [("PRIMARY KEY (id, channel_id)",)], \
        "the archived v1 table is keyed by channel"
    assert query(database, "SELECT conrelid::regclass::text FROM pg_constraint "
                           "WHERE conname = 'chat_messages_pkey'") == [("memory_archive.chat_messages",)]
    assert query(database, "SELECT count(*) FROM pg_constraint WHERE connamespace = 'memory'::regnamespace "
                           "AND NOT convalidated") == [(0,)], "every key is validated"
    assert query(database, "SELECT * FROM core.distribution_problems()") == []
    assert query(database, "SELECT count(*) FROM pg_index WHERE NOT indisvalid") == [(0,)]
    status = dbctl("status", "--module", "memory", dsn=database).stdout
    assert "pending" not in status and "changed" not in status, status
