"""langgraph on the cluster, as the application: a small graph checkpointed by AgentDbSaver (each
thread on its shard), the savers' calls (get_tuple, list, prune, copy_thread, delete_thread), the
store by namespace root, and retention (idle threads removed by the maintenance task)."""

import operator
from datetime import datetime, timedelta, timezone
from typing import Annotated, TypedDict

import pytest

pytest.importorskip("langgraph.graph", reason="pip install -e '.[langgraph]'")

from langgraph.graph import END, START, StateGraph  # noqa: E402

from agentdb.langgraph import AgentDbSaver, AgentDbStore  # noqa: E402
from conftest import APP, task_count  # noqa: E402


class State(TypedDict):
    count: int
    log: Annotated[list, operator.add]


def graph(checkpointer):
    builder = StateGraph(State)
    builder.add_node("step", lambda s: {"count": s["count"] + 1, "log": [f"step {s['count']}"]})
    builder.add_edge(START, "step")
    builder.add_edge("step", END)
    return builder.compile(checkpointer=checkpointer)


@pytest.fixture(scope="module")
def saver(deployment):
    with AgentDbSaver.from_conn_string(deployment.dsn(APP)) as saver:
        saver.setup()
        yield saver


def test_a_graph_checkpoints_thread_by_thread(deployment, saver, app):
    g = graph(saver)
    for thread in ("lg-a", "lg-b"):
        for n in range(3):
            g.invoke({"count": n}, {"configurable": {"thread_id": thread}})
    assert g.get_state({"configurable": {"thread_id": "lg-a"}}).values == {
        "count": 3, "log": ["step 0", "step 1", "step 2"]}
    assert len(list(saver.list({"configurable": {"thread_id": "lg-b"}}))) == 9
    assert task_count(app, "SELECT * FROM langgraph.checkpoints WHERE thread_id = %s ORDER BY checkpoint_id DESC "
                           "LIMIT 1", ("lg-a",)) == 1


def test_prune_copy_and_delete(saver):
    g = graph(saver)
    saver.copy_thread("lg-a", "lg-copy")
    assert g.get_state({"configurable": {"thread_id": "lg-copy"}}).values["count"] == 3
    saver.prune(["lg-copy"], strategy="keep_latest")
    assert len(list(saver.list({"configurable": {"thread_id": "lg-copy"}}))) == 1
    assert g.get_state({"configurable": {"thread_id": "lg-copy"}}).values["count"] == 3
    saver.delete_thread("lg-copy")
    assert saver.get_tuple({"configurable": {"thread_id": "lg-copy"}}) is None


def test_store_by_namespace_root(deployment):
    with AgentDbStore.from_conn_string(deployment.dsn(APP)) as store:
        store.setup()
        store.put(("users", "alice"), "prefs", {"theme": "dark"})
        store.put(("users", "bob"), "prefs", {"theme": "light"})
        assert store.get(("users", "alice"), "prefs").value == {"theme": "dark"}
        assert [i.key for i in store.search(("users",), filter={"theme": "light"})] == ["prefs"]
        assert store.list_namespaces(prefix=("users",)) == [("users", "alice"), ("users", "bob")]


def test_idle_threads_removed_by_maintenance(deployment, saver):
    graph(saver).invoke({"count": 0}, {"configurable": {"thread_id": "lg-idle"}})
    with deployment.connect() as owner:
        removed = owner.execute("SELECT langgraph.remove_idle_threads(%s)",
                                (datetime.now(timezone.utc) + timedelta(days=31),)).fetchone()[0]
    assert removed >= 1
    assert saver.get_tuple({"configurable": {"thread_id": "lg-idle"}}) is None
