"""AgentDbSaver beyond the conformance suite: setup() only checks the migration (and says what to run),
what it stores is byte for byte what PostgresSaver stores, and time travel by time."""

from datetime import datetime, timedelta, timezone

import psycopg
import pytest

pytest.importorskip("langgraph.checkpoint.postgres", reason="pip install -e '.[langgraph-test]'")

from langgraph.checkpoint.base import empty_checkpoint  # noqa: E402
from langgraph.checkpoint.postgres import PostgresSaver  # noqa: E402

from agentdb.langgraph import AgentDbSaver, ModuleNotMigrated  # noqa: E402
from langgraph_support import app_dsn, langgraph_databases  # noqa: E402


@pytest.fixture(scope="module")
def databases(admin_dsn):
    with langgraph_databases(admin_dsn, "lgsaver") as dsns:
        yield dsns


def test_setup_checks_the_migration(databases):
    with AgentDbSaver.from_conn_string(databases["postgres"]) as saver:  # a database without the module
        with pytest.raises(ModuleNotMigrated, match="dbctl migrate --module langgraph"):
            saver.setup()
    readonly = psycopg.conninfo.make_conninfo(databases["agentdb"], options="-c role=agentdb_maintenance")
    with AgentDbSaver.from_conn_string(readonly) as saver:
        with pytest.raises(ModuleNotMigrated, match="application role"):
            saver.setup()
    with AgentDbSaver.from_conn_string(app_dsn(databases["agentdb"])) as saver:
        saver.setup()
        with psycopg.connect(databases["agentdb"]) as conn:  # it made nothing
            assert conn.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").fetchone()[0] == 0


def test_rows_are_postgres_savers_byte_for_byte(databases):
    checkpoint = empty_checkpoint()
    checkpoint["channel_values"] = {"messages": [{"role": "user", "content": "hi"}], "n": 3, "flag": True,
                                    "blob": b"\x00\x01", "when": datetime(2026, 1, 2, tzinfo=timezone.utc)}
    checkpoint["channel_versions"] = {k: f"{1:032}.{0.5:016}" for k in checkpoint["channel_values"]}
    config = {"configurable": {"thread_id": "same", "checkpoint_ns": ""}}
    metadata = {"source": "loop", "step": 1, "parents": {}, "run_id": "r1", "custom": "x"}
    writes = [("messages", ["reply"]), ("__interrupt__", {"value": 1}), ("n", 4)]
    stored = {}
    for kind, maker in (("agentdb", lambda: AgentDbSaver.from_conn_string(app_dsn(databases["agentdb"]))),
                        ("postgres", lambda: PostgresSaver.from_conn_string(databases["postgres"]))):
        with maker() as saver:
            if kind == "postgres":
                saver.setup()
            saved = saver.put(config, checkpoint, metadata, checkpoint["channel_versions"])
            saver.put_writes(saved, writes, "task-1", "path")
            got = saver.get_tuple(config)
        schema = "langgraph." if kind == "agentdb" else ""
        with psycopg.connect(databases[kind]) as conn:
            stored[kind] = (
                conn.execute(f"SELECT checkpoint, metadata, parent_checkpoint_id FROM {schema}checkpoints").fetchall(),
                conn.execute(f"SELECT channel, version, type, blob FROM {schema}checkpoint_blobs ORDER BY channel").fetchall(),
                conn.execute(f"SELECT task_id, task_path, idx, channel, type, blob FROM {schema}checkpoint_writes "
                             "ORDER BY idx").fetchall(),
            )
        stored[kind + " tuple"] = got
    assert stored["agentdb"] == stored["postgres"]
    ours, theirs = stored["agentdb tuple"], stored["postgres tuple"]
    assert ours.checkpoint == theirs.checkpoint and ours.metadata == theirs.metadata
    assert ours.pending_writes == theirs.pending_writes


def test_time_travel_by_time(databases):
    with AgentDbSaver.from_conn_string(app_dsn(databases["agentdb"])) as saver:
        config = {"configurable": {"thread_id": "travel", "checkpoint_ns": ""}}
        ids = []
        for n, ts in enumerate(["2026-03-01T10:00:00+00:00", "2026-03-01T11:00:00+00:00"]):
            checkpoint = empty_checkpoint()
            checkpoint["ts"] = ts
            checkpoint["channel_values"] = {"n": n}
            config = saver.put(config, checkpoint, {"source": "loop", "step": n}, {})
            ids.append(checkpoint["id"])
        at = datetime(2026, 3, 1, 10, 30, tzinfo=timezone.utc)
        found = saver.get_config_at("travel", at)
        assert found["configurable"]["checkpoint_id"] == ids[0]
        assert saver.get_tuple(found).checkpoint["channel_values"] == {"n": 0}
        assert saver.get_config_at("travel", at + timedelta(hours=1))["configurable"]["checkpoint_id"] == ids[1]
        assert saver.get_config_at("travel", at - timedelta(hours=1)) is None


def _plan_nodes(plan: dict):
    yield plan
    for child in plan.get("Plans", []):
        yield from _plan_nodes(child)


def test_reads_look_blobs_up_by_key(databases):
    """get_tuple and list read a checkpoint's blobs by primary key (an index probe per channel under a
    LIMIT), not by a join reading every blob of the thread, on a long thread of one database (where
    the planner estimates that the thread is the whole table) and in the generic plan a prepared
    statement settles on."""
    from agentdb.langgraph._base import GET_LATEST_SQL, AgentDbSaverBase

    with AgentDbSaver.from_conn_string(app_dsn(databases["agentdb"])) as saver:
        config = {"configurable": {"thread_id": "long", "checkpoint_ns": ""}}
        for n in range(300):
            checkpoint = empty_checkpoint()
            checkpoint["channel_values"] = {"messages": [f"message {i} " + "x" * 80 for i in range(n % 20)], "n": n}
            checkpoint["channel_versions"] = {"messages": f"{n + 1:032}.0", "n": f"{n + 1:032}.0"}
            config = saver.put(config, checkpoint, {"source": "loop", "step": n}, checkpoint["channel_versions"])
    list_sql, _ = AgentDbSaverBase._list_query({"configurable": {"thread_id": "long", "checkpoint_ns": ""}},
                                               None, None, None)
    with psycopg.connect(databases["agentdb"], autocommit=True) as conn:
        conn.execute("ANALYZE langgraph.threads, langgraph.checkpoints, langgraph.checkpoint_blobs")
        partition = conn.execute("SELECT DISTINCT tableoid::regclass::text FROM langgraph.checkpoint_blobs "
                                 "WHERE thread_id = 'long'").fetchone()[0].removeprefix("langgraph.")
        conn.execute("SET role agentdb_app")
        for name, sql in (("get_tuple", GET_LATEST_SQL), ("list", list_sql)):
            custom = conn.execute("EXPLAIN (FORMAT JSON) " + sql, {"thread_id": "long", "checkpoint_ns": ""})
            generic = conn.execute("EXPLAIN (GENERIC_PLAN, FORMAT JSON) "
                                   + sql.replace("%(thread_id)s", "$1").replace("%(checkpoint_ns)s", "$2"))
            plans = (("custom", custom.fetchone()[0][0]["Plan"]), ("generic", generic.fetchone()[0][0]["Plan"]))
            for kind, plan in plans:
                blobs = [n for n in _plan_nodes(plan) if n.get("Relation Name") == partition]
                assert blobs, (name, kind, plan)
                # Each blob found by its whole key (thread, partition key, namespace, channel, version).
                assert all(n["Node Type"] in ("Index Scan", "Index Only Scan") for n in blobs), (name, kind, plan)
                conditions = [n.get("Index Cond", "") for n in blobs]
                assert all(c.count("=") >= 4 for c in conditions), (name, kind, conditions)


def test_array_literals_round_trip(databases):
    """The savers pass their arrays as literals they write themselves: what the server reads back is
    what was written, whatever the characters and bytes."""
    from agentdb.langgraph._base import bytea_array, integer_array, text_array

    texts = ["", "NULL", "plain", 'quote " and \\ backslash', "{braces}, commas, spaces ", "ünïcødé ✓", "\\x00",
             None]
    blobs = [b"", bytes(range(256)), b'"\\{}', None]
    ints = [0, -3, 2**31 - 1, -(2**31)]
    with psycopg.connect(databases["agentdb"]) as conn:
        assert conn.execute("SELECT %s::text[]", (text_array(texts),)).fetchone()[0] == texts
        assert conn.execute("SELECT %s::bytea[]", (bytea_array(blobs),)).fetchone()[0] == blobs
        assert conn.execute("SELECT %s::integer[]", (integer_array(ints),)).fetchone()[0] == ints
        assert conn.execute("SELECT %s::text[], %s::bytea[]", (text_array([]), bytea_array([]))).fetchone() == ([], [])
