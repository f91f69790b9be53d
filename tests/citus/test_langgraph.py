"""langgraph on the cluster. As the application: a small graph checkpointed by AgentDbSaver, whose
connection refuses any statement that would run on more than one shard (every call of a thread
stays on its thread's shard), and the savers' statements and functions one by one under
single_shard (put, put_writes, get_tuple, list, copy_thread, prune, delete_thread); the store by
namespace root (put, get, search with a filter and with a toy embedding, list_namespaces). As the
maintenance role: core.run_maintenance() removes an idle thread and an expired store item and caps
histories, on the distributed tables."""

import operator
import uuid
from typing import Annotated, TypedDict

import psycopg
import pytest
from langchain_core.embeddings import Embeddings
from psycopg.rows import dict_row

pytest.importorskip("langgraph.graph", reason="pip install -e '.[langgraph]'")

from langgraph.checkpoint.base import empty_checkpoint  # noqa: E402
from langgraph.graph import END, START, StateGraph  # noqa: E402

from agentdb.langgraph import AgentDbSaver, AgentDbStore  # noqa: E402
from agentdb.langgraph._base import PUT_SQL, PUT_WRITES_SQL  # noqa: E402
from conftest import APP, MAINTENANCE, single_shard, task_count  # noqa: E402

PAST = "2025-03-01 10:00+00"  # a pinned instant in the past: idle beyond any TTL, whatever the run's date
DIMS = 1536  # langgraph_store_embedding_dim's default, as the cluster is migrated


class State(TypedDict):
    count: int
    log: Annotated[list, operator.add]


def graph(checkpointer):
    builder = StateGraph(State)
    builder.add_node("step", lambda s: {"count": s["count"] + 1, "log": [f"step {s['count']}"]})
    builder.add_edge(START, "step")
    builder.add_edge("step", END)
    return builder.compile(checkpointer=checkpointer)


def config(thread_id, checkpoint_id=None):
    configurable = {"thread_id": thread_id, "checkpoint_ns": ""}
    if checkpoint_id:
        configurable["checkpoint_id"] = checkpoint_id
    return {"configurable": configurable}


@pytest.fixture(scope="module")
def saver(deployment):
    """AgentDbSaver on an application connection on which Citus refuses multi-shard statements."""
    with psycopg.connect(deployment.dsn(APP), autocommit=True, prepare_threshold=0, row_factory=dict_row) as conn:
        conn.execute("SET citus.multi_task_query_log_level = 'error'")
        saver = AgentDbSaver(conn)
        saver.setup()
        yield saver


def test_a_graph_checkpoints_each_thread_on_its_shard(saver, app):
    g = graph(saver)
    for thread in ("lg-a", "lg-b"):
        for n in range(3):
            g.invoke({"count": n}, config(thread))
    assert g.get_state(config("lg-a")).values == {"count": 3, "log": ["step 0", "step 1", "step 2"]}
    history = list(saver.list(config("lg-b")))
    assert len(history) == 9 and history[0].checkpoint["channel_values"]["count"] == 3
    assert [t.config["configurable"]["checkpoint_id"] for t in saver.list(config("lg-b"), limit=2)] == [
        t.config["configurable"]["checkpoint_id"] for t in history[:2]]
    before = list(saver.list(config("lg-b"), before=history[0].config, filter={"source": "loop"}))
    assert before and all(t.metadata["source"] == "loop" for t in before)
    # The read's statement, planned: one shard task for the thread.
    query, params = saver._get_params(config("lg-a"))
    assert task_count(app, query, params) == 1
    query, params = saver._list_query(config("lg-a"), {"source": "loop"}, history[0].config, 5)
    assert task_count(app, query, params) == 1


def test_the_savers_statements_one_by_one(saver, app):
    """put, put_writes, get_tuple, list as statements under single_shard, with the results read back."""
    checkpoint = empty_checkpoint()
    checkpoint["channel_values"] = {"greeting": "hi", "items": [1, 2]}
    checkpoint["channel_versions"] = {"greeting": saver.get_next_version(None, None),
                                      "items": saver.get_next_version(None, None)}
    params, next_config = saver._put_params(config("lg-s"), checkpoint, {"source": "input", "step": -1},
                                            checkpoint["channel_versions"])
    single_shard(app, PUT_SQL, params)
    single_shard(app, PUT_WRITES_SQL, saver._put_writes_params(next_config, [("items", [3]), ("greeting", "x")],
                                                                "task-1", ""))
    query, params = saver._get_params(config("lg-s"))
    with app.cursor(row_factory=dict_row) as cur:
        with app.transaction():
            cur.execute("SET LOCAL citus.multi_task_query_log_level = 'error'")
            rows = cur.execute(query, params).fetchall()
    loaded = saver._load_tuple(rows[0])
    assert loaded.checkpoint["channel_values"] == {"greeting": "hi", "items": [1, 2]}
    assert loaded.pending_writes == [("task-1", "items", [3]), ("task-1", "greeting", "x")]
    assert saver.get_tuple(next_config).checkpoint["id"] == checkpoint["id"]


def test_copy_prune_and_delete(saver, app):
    g = graph(saver)
    single_shard(app, "SELECT langgraph.copy_thread('lg-a', 'lg-copy')")
    assert g.get_state(config("lg-copy")).values["count"] == 3
    assert len(list(saver.list(config("lg-copy")))) == 9
    saver.copy_thread("lg-a", "lg-copy2")  # through the saver's connection (multi-shard refused)
    assert g.get_state(config("lg-copy2")).values["count"] == 3
    single_shard(app, "SELECT langgraph.prune(ARRAY['lg-copy'], 'keep_latest')")
    assert len(list(saver.list(config("lg-copy")))) == 1
    assert g.get_state(config("lg-copy")).values == {"count": 3, "log": ["step 0", "step 1", "step 2"]}
    saver.prune(["lg-copy2"], strategy="keep_latest")
    assert len(list(saver.list(config("lg-copy2")))) == 1
    single_shard(app, "SELECT langgraph.delete_thread('lg-copy')")
    saver.delete_thread("lg-copy2")
    assert saver.get_tuple(config("lg-copy")) is None and saver.get_tuple(config("lg-copy2")) is None
    assert app.execute("SELECT count(*) FROM langgraph.checkpoint_blobs WHERE thread_id IN ('lg-copy', 'lg-copy2')"
                       ).fetchone()[0] == 0
    run = str(uuid.uuid4())
    checkpoint = empty_checkpoint()
    saver.put(config("lg-b"), checkpoint, {"source": "update", "step": 9, "run_id": run}, {})
    assert any(t.metadata.get("run_id") == run for t in saver.list(config("lg-b")))
    # every thread's checkpoints of a run: statements on every shard, so not on the saver's connection
    assert app.execute("SELECT langgraph.delete_for_runs(%s::text[])", ([run],)).fetchone()[0] >= 1
    assert all(t.metadata.get("run_id") != run for t in saver.list(config("lg-b")))
    saver.prune(["lg-b"], strategy="delete")
    assert saver.get_tuple(config("lg-b")) is None
    assert g.get_state(config("lg-a")).values["count"] == 3, "the source thread is untouched"


class LetterEmbeddings(Embeddings):
    """A toy embedding: letter counts, padded to the migrated dimension."""

    def embed_documents(self, texts):
        return [self.embed_query(t) for t in texts]

    def embed_query(self, text):
        counts = [float(text.lower().count(chr(ord("a") + i))) for i in range(26)]
        return (counts if any(counts) else [1.0] + [0.0] * 25) + [0.0] * (DIMS - 26)


def test_store_by_namespace_root(deployment, app):
    index = {"dims": DIMS, "embed": LetterEmbeddings(), "fields": ["text"]}
    with psycopg.connect(deployment.dsn(APP), autocommit=True, prepare_threshold=0, row_factory=dict_row) as conn:
        conn.execute("SET citus.multi_task_query_log_level = 'error'")
        store = AgentDbStore(conn, index=index)
        store.setup()
        store.put(("users", "alice"), "prefs", {"theme": "dark", "text": "dark themes"})
        store.put(("users", "bob"), "prefs", {"theme": "light", "text": "light mode"})
        store.put(("users", "bob"), "note", {"theme": "none", "text": "zzz buzz"})
        assert store.get(("users", "alice"), "prefs").value["theme"] == "dark"
        assert [i.key for i in store.search(("users",), filter={"theme": "light"})] == ["prefs"]
        found = store.search(("users",), query="buzz zz")
        assert found[0].key == "note" and found[0].score > found[-1].score
        assert store.list_namespaces(prefix=("users",)) == [("users", "alice"), ("users", "bob")]
        store.delete(("users", "bob"), "note")
        assert store.get(("users", "bob"), "note") is None
    # A search of a namespace prefix: one shard (the store is distributed by the namespace's root).
    assert single_shard(app, "SELECT count(*) FROM langgraph.store WHERE root = 'users'") == [(2,)]


def test_retention_by_maintenance(deployment, saver, app):
    """An idle thread (put at a pinned past instant by the DBA, as a migrated PostgresSaver history
    would be) and an expired store item go; a live thread stays."""
    thread = f"lg-idle-{uuid.uuid4().hex[:8]}"
    with deployment.connect() as dba:
        dba.execute("INSERT INTO langgraph.threads (thread_id, created_at, last_activity_at) VALUES (%s, %s, %s)",
                    (thread, PAST, PAST))
        dba.execute("INSERT INTO langgraph.checkpoints (thread_id, checkpoint_id, checkpoint, created_at, "
                    "thread_created_at) VALUES (%s, 'c1', '{\"v\": 4, \"id\": \"c1\", \"ts\": \"2025-03-01T10:00:00+00:00\", \"channel_values\": {}, "
                    "\"channel_versions\": {\"x\": \"1\"}, \"versions_seen\": {}}', %s, %s)",
                    (thread, PAST, PAST))
        dba.execute("INSERT INTO langgraph.checkpoint_blobs (thread_id, channel, version, type, blob, "
                    "thread_created_at) VALUES (%s, 'x', '1', 'msgpack', '\\x01', %s)", (thread, PAST))
        dba.execute("INSERT INTO langgraph.checkpoint_writes (thread_id, checkpoint_id, task_id, idx, channel, type, "
                    "blob, thread_created_at) VALUES (%s, 'c1', 't', 0, 'x', 'msgpack', '\\x02', %s)", (thread, PAST))
    assert saver.get_tuple(config(thread)).checkpoint["id"] == "c1"
    with AgentDbStore.from_conn_string(deployment.dsn(APP)) as store:
        store.put(("expiring",), "soon", {"a": 1}, ttl=60)
        store.put(("expiring",), "kept", {"a": 2})
    with deployment.connect() as dba:
        dba.execute("UPDATE langgraph.store SET expires_at = %s WHERE root = 'expiring' AND key = 'soon'", (PAST,))
    with deployment.connect(MAINTENANCE) as maintenance:
        actions = maintenance.execute("SELECT target, action, outcome, message FROM core.run_maintenance() "
                                      "WHERE target LIKE 'langgraph.%%'").fetchall()
    tasks = {a[0]: (a[2], a[3]) for a in actions if a[1] == "task"}
    assert {t: o for t, (o, _) in tasks.items()} == {
        "langgraph.remove_idle_threads(timestamp with time zone)": "ok",
        "langgraph.cap_thread_history(timestamp with time zone)": "ok",
        "langgraph.expire_store_items(timestamp with time zone)": "ok"}, tasks
    assert saver.get_tuple(config(thread)) is None
    for table in ("threads", "checkpoints", "checkpoint_blobs", "checkpoint_writes"):
        assert app.execute(f"SELECT count(*) FROM langgraph.{table} WHERE thread_id = %s",  # noqa: S608
                           (thread,)).fetchone()[0] == 0, table
    assert graph(saver).get_state(config("lg-a")).values["count"] == 3, "a live thread stays"
    assert [r[0] for r in app.execute("SELECT key FROM langgraph.store WHERE root = 'expiring' ORDER BY key")] == [
        "kept"]
