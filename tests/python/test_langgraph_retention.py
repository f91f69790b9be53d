"""A small LangGraph graph (no LLM) run for many steps on one thread, with AgentDbSaver, and agentdb's
retention: the thread's tables stay bounded by the history cap (here langgraph_history_cap=10) while
PostgresSaver's grow with every step, the state stays restorable (including a DeltaChannel's, which
PostgresSaver's keep_latest prune refuses), and idle threads go. Retention runs as the cron line runs it:
core.run_maintenance_task(...) as the maintenance role."""

import operator
from datetime import datetime, timedelta, timezone
from typing import Annotated, TypedDict

import psycopg
import pytest

pytest.importorskip("langgraph.checkpoint.postgres", reason="pip install -e '.[langgraph-test]'")

from langgraph.channels import DeltaChannel  # noqa: E402
from langgraph.checkpoint.postgres import PostgresSaver  # noqa: E402
from langgraph.graph import END, START, StateGraph  # noqa: E402

from agentdb.langgraph import AgentDbSaver  # noqa: E402
from langgraph_support import app_dsn, langgraph_databases  # noqa: E402

CAP = 10
STEPS = 60  # invocations; each puts an input checkpoint and two loop checkpoints


def concat(state, writes):
    return state + [x for w in writes for x in w]


class State(TypedDict):
    count: int
    log: Annotated[list, operator.add]
    history: Annotated[list, DeltaChannel(concat, snapshot_frequency=25)]


def build(checkpointer):
    graph = StateGraph(State)
    graph.add_node("step", lambda s: {"count": s["count"] + 1, "log": [f"step {s['count']}"],
                                      "history": [s["count"]]})
    graph.add_node("check", lambda s: {"log": ["checked"]})
    graph.add_edge(START, "step")
    graph.add_edge("step", "check")
    graph.add_edge("check", END)
    return graph.compile(checkpointer=checkpointer)


@pytest.fixture(scope="module")
def databases(admin_dsn):
    with langgraph_databases(admin_dsn, "lgret", {"langgraph_history_cap": str(CAP)}) as dsns:
        yield dsns


def run_task(dsn, task, at=None):
    """As cron would: the maintenance role runs the registered task (on the real clock), or the owner
    with a p_now ahead (only the owner may move the clock)."""
    role = "agentdb_maintenance" if at is None else "agentdb_owner"
    with psycopg.connect(psycopg.conninfo.make_conninfo(dsn, options=f"-c role={role}"), autocommit=True) as conn:
        row = conn.execute("SELECT outcome, rows, message FROM core.run_maintenance_task(%s::regprocedure, %s)",
                           (task, at or datetime.now(timezone.utc))).fetchone()
    assert row[0] == "ok", row
    return row[1]


def counts(dsn, thread_id, schema):
    with psycopg.connect(dsn) as conn:
        return tuple(conn.execute(f"SELECT count(*) FROM {schema}.{t} WHERE thread_id = %s", (thread_id,)).fetchone()[0]
                     for t in ("checkpoints", "checkpoint_blobs", "checkpoint_writes"))


def test_history_cap_keeps_a_long_thread_bounded_and_restorable(databases):
    config = {"configurable": {"thread_id": "long"}}
    sizes = []
    with AgentDbSaver.from_conn_string(app_dsn(databases["agentdb"])) as saver, \
            PostgresSaver.from_conn_string(databases["postgres"]) as peer:
        peer.setup()
        graph, reference = build(saver), build(peer)
        for n in range(STEPS):
            graph.invoke({"count": n}, config)
            reference.invoke({"count": n}, config)
            if n % 10 == 9:
                run_task(databases["agentdb"], "langgraph.cap_thread_history(timestamptz)")
                sizes.append(counts(databases["agentdb"], "long", "langgraph"))
        state = graph.get_state(config).values
        assert state == reference.get_state(config).values
        assert state["count"] == STEPS and len(state["log"]) == 2 * STEPS and state["history"] == list(range(STEPS))
        peer_size = counts(databases["postgres"], "long", "public")
        # Capped: the newest CAP checkpoints and the ancestors their DeltaChannel replays from (back to
        # the last snapshot, at most snapshot_frequency steps), never all of them; PostgresSaver keeps all.
        assert peer_size[0] >= 3 * STEPS  # every checkpoint of every step
        # A DeltaChannel snapshots every 25 updates (one per invocation here): what the newest CAP
        # need reaches back at most that far.
        bound = CAP + (peer_size[0] // STEPS) * 25
        for checkpoints, blobs, writes in sizes:
            assert checkpoints <= bound, sizes
        assert sizes[-1][0] < peer_size[0] / 2, (sizes, peer_size)
        assert sizes[-1][1] < peer_size[1] and sizes[-1][2] < peer_size[2], (sizes, peer_size)
        # Every checkpoint kept is restorable, and the graph goes on from the latest.
        for snapshot in graph.get_state_history(config):
            values = snapshot.values
            assert values.get("history", []) == list(range(values.get("count", 0))), snapshot.config
        graph.invoke({"count": STEPS}, config)
        assert graph.get_state(config).values["history"] == list(range(STEPS + 1))


def test_keep_latest_prune_is_safe_with_a_delta_channel(databases):
    config = {"configurable": {"thread_id": "delta"}}
    with AgentDbSaver.from_conn_string(app_dsn(databases["agentdb"])) as saver, \
            PostgresSaver.from_conn_string(databases["postgres"]) as peer:
        peer.setup()
        graph, reference = build(saver), build(peer)
        for n in range(30):  # the history channel snapshots at its 25th update
            graph.invoke({"count": n}, config)
            reference.invoke({"count": n}, config)
        before = graph.get_state(config).values
        saver.prune(["delta"], strategy="keep_latest")
        with pytest.raises(NotImplementedError):  # the reference refuses DeltaChannel threads
            peer.prune(["delta"], strategy="keep_latest")
        assert graph.get_state(config).values == before and before["history"] == list(range(30))
        kept = list(graph.get_state_history(config))
        # Pruned down to the latest and its ancestors back to the snapshot (5 invocations' worth),
        # each of them restorable.
        assert 1 < len(kept) < len(list(reference.get_state_history(config))) / 4
        for snapshot in kept:
            assert snapshot.values["history"] == list(range(snapshot.values["count"]))
        graph.invoke({"count": 30}, config)
        assert graph.get_state(config).values["history"] == list(range(31))
        saver.prune(["delta"], strategy="delete")
        assert graph.get_state(config).values == {}


def test_idle_threads_removed_by_maintenance(databases):
    dsn = databases["agentdb"]
    with AgentDbSaver.from_conn_string(app_dsn(dsn)) as saver:
        graph = build(saver)
        for thread in ("idle-1", "idle-2"):
            graph.invoke({"count": 0}, {"configurable": {"thread_id": thread}})
    # Nothing is idle yet on the real clock.
    assert run_task(dsn, "langgraph.remove_idle_threads(timestamptz)") == 0
    assert counts(dsn, "idle-1", "langgraph")[0] == 4  # input, loop, step, check
    # 31 days on (the TTL is 30): both go, with every row.
    removed = run_task(dsn, "langgraph.remove_idle_threads(timestamptz)", datetime.now(timezone.utc) + timedelta(days=31))
    assert removed >= 2
    assert counts(dsn, "idle-1", "langgraph") == (0, 0, 0) and counts(dsn, "idle-2", "langgraph") == (0, 0, 0)
    with psycopg.connect(dsn) as conn:
        assert conn.execute("SELECT count(*) FROM langgraph.threads WHERE thread_id LIKE 'idle-%'").fetchone()[0] == 0
