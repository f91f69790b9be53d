"""LangGraph persistence: agentdb's AgentDbSaver / AgentDbStore beside langgraph-checkpoint-postgres'
PostgresSaver / PostgresStore (the peer), on the same server (a database each), in one run:
  * a graph step (get_tuple + put + put_writes) on a thread with 1,000 checkpoints;
  * list of that thread's whole history;
  * storage per checkpoint (checkpoints, blobs, writes and their indexes);
  * retention removing a month of threads: agentdb drops the month's partitions (maintenance's
    langgraph.remove_idle_threads), PostgresSaver's only way is a DELETE (prune(strategy="delete"));
  * store search with a 1 % filter over 100,000 items.
Ratios are the peer's time over agentdb's (above 1: agentdb is faster)."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field

import psycopg
from psycopg.rows import dict_row

from bench.common import RUNS, Measure, fresh_database

QUICK = {"checkpoints": 200, "threads": 200, "per_thread": 5, "items": 10_000}
FULL = {"checkpoints": 1_000, "threads": 2_000, "per_thread": 10, "items": 100_000}
PEERS = ["agentdb", "PostgresSaver"]


def installed() -> bool:
    try:
        import langgraph.checkpoint.postgres  # noqa: F401
        import langgraph.store.postgres  # noqa: F401
    except ImportError:
        return False
    return True


@dataclass
class Table:
    title: str
    rows: list = field(default_factory=list)

    def add(self, metric: str, goal: str, ours, theirs, note: str = "", higher_is_better: bool = False):
        self.rows.append((metric, goal, ours, theirs, note, higher_is_better))

    def render(self) -> str:
        from agentdb.text_table import table
        lines = []
        for metric, goal, ours, theirs, note, higher in self.rows:
            ratio = ""
            if isinstance(ours, Measure) and isinstance(theirs, Measure) and ours.median and theirs.median:
                value = ours.median / theirs.median if higher else theirs.median / ours.median
                ratio = f"{value:,.2f}x"
            lines.append([metric, goal, *((v.text() if isinstance(v, Measure) else v or "") for v in (ours, theirs)),
                          ratio, note])
        headers = ["metric", "goal", "agentdb median (min-max)", "PostgresSaver / PostgresStore", "agentdb vs peer",
                   "note"]
        return f"{self.title}\n" + table(headers, lines)


def app(dsn: str) -> str:
    return psycopg.conninfo.make_conninfo(dsn, options="-c role=agentdb_app")


def _checkpoint(n: int, parent_versions: dict) -> tuple[dict, dict]:
    """A checkpoint of a chat-like graph: a growing message list (a blob per version), a counter."""
    from langgraph.checkpoint.base import empty_checkpoint
    from langgraph.checkpoint.base.id import uuid6
    checkpoint = empty_checkpoint()
    checkpoint["id"] = str(uuid6(clock_seq=n))
    checkpoint["channel_values"] = {"messages": [f"message {i}: " + "x" * 80 for i in range(max(0, n - 20), n)],
                                    "count": n}
    versions = {"messages": f"{n + 1:032}.0", "count": f"{n + 1:032}.0"}
    checkpoint["channel_versions"] = versions
    checkpoint["versions_seen"] = {"agent": dict(parent_versions)}
    return checkpoint, versions


def _fill_thread(saver, thread_id: str, count: int) -> dict:
    config = {"configurable": {"thread_id": thread_id, "checkpoint_ns": ""}}
    versions: dict = {}
    for n in range(count):
        checkpoint, versions = _checkpoint(n, versions)
        config = saver.put(config, checkpoint, {"source": "loop", "step": n, "parents": {}}, versions)
        saver.put_writes(config, [("messages", [f"reply {n}"]), ("count", n + 1)], str(uuid.uuid4()), "agent")
    return config


def _step_and_list(saver, thread_id: str, count: int) -> dict:
    _fill_thread(saver, thread_id, count)
    base = {"configurable": {"thread_id": thread_id, "checkpoint_ns": ""}}
    state = {"n": count}

    def step():
        latest = saver.get_tuple(base)
        state["n"] += 1
        checkpoint, versions = _checkpoint(state["n"], latest.checkpoint["channel_versions"])
        config = saver.put(latest.config, checkpoint, {"source": "loop", "step": state["n"], "parents": {}},
                           {"messages": versions["messages"], "count": versions["count"]})
        saver.put_writes(config, [("messages", ["reply"]), ("count", state["n"])], str(uuid.uuid4()), "agent")

    def history():
        assert len(list(saver.list(base))) >= count

    return {"step": _samples(step, RUNS * 5), "list": _samples(history)}


def _samples(fn, runs: int = RUNS) -> Measure:
    fn()
    out = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        out.append(time.perf_counter() - started)
    return Measure(out)


def _storage(dsn: str, tables: list[str], count_sql: str) -> Measure:
    with psycopg.connect(dsn) as conn:
        size = sum(conn.execute(
            """SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class AS c
               WHERE c.oid = %(t)s::regclass OR c.oid IN (SELECT inhrelid FROM pg_inherits WHERE inhparent = %(t)s::regclass)""",
            {"t": t}).fetchone()[0] for t in tables)
        rows = conn.execute(count_sql).fetchone()[0]
    return Measure([size / rows], "B")


_MONTH = "date_trunc('month', now()) - interval '3 months'"


def _old_month_agentdb(dsn: str, threads: int, per_thread: int) -> float:
    """A month of idle threads (3 months ago) in agentdb, then the maintenance task that removes them."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        for parent in ("checkpoints", "checkpoint_blobs", "checkpoint_writes"):
            conn.execute(f"SELECT count(*) FROM core.create_partition('langgraph.{parent}', {_MONTH})")
        conn.execute(f"""INSERT INTO langgraph.threads (thread_id, created_at, last_activity_at)
                         SELECT 'old-' || g, {_MONTH} + g * interval '1 second', {_MONTH} + interval '1 day'
                         FROM generate_series(1, %s) AS g""", (threads,))
        _old_rows(conn, "langgraph.", ", thread_created_at", ", t.created_at",
                  "FROM langgraph.threads AS t WHERE t.thread_id LIKE 'old-%%'", per_thread)
        conn.execute("VACUUM ANALYZE")
        started = time.perf_counter()
        removed = conn.execute("SELECT langgraph.remove_idle_threads(now())").fetchone()[0]
        elapsed = time.perf_counter() - started
        assert removed == threads, removed
    return elapsed


def _old_rows(conn, schema: str, column: str, value: str, source: str, per_thread: int):
    conn.execute(f"""INSERT INTO {schema}checkpoints (thread_id, checkpoint_ns, checkpoint_id, checkpoint, metadata
                         {", created_at" if schema else ""}{column})
                     SELECT t.thread_id, '', 'c' || g, '{{"v": 4, "channel_versions": {{"m": "1"}}}}', '{{}}'
                         {", now()" if schema else ""}{value}
                     {source.replace("FROM", "FROM generate_series(1, " + str(per_thread) + ") AS g,")}""")
    conn.execute(f"""INSERT INTO {schema}checkpoint_blobs (thread_id, checkpoint_ns, channel, version, type, blob{column})
                     SELECT t.thread_id, '', 'm', '1', 'msgpack', convert_to(repeat('x', 500), 'UTF8'){value} {source}""")
    conn.execute(f"""INSERT INTO {schema}checkpoint_writes (thread_id, checkpoint_ns, checkpoint_id, task_id, idx, channel,
                         type, blob{column})
                     SELECT t.thread_id, '', 'c' || g, 'task', 0, 'm', 'msgpack', '\\x00'{value}
                     {source.replace("FROM", "FROM generate_series(1, " + str(per_thread) + ") AS g,")}""")


def _old_month_peer(dsn: str, threads: int, per_thread: int) -> float:
    from langgraph.checkpoint.postgres import PostgresSaver
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("CREATE TEMP TABLE old_threads AS SELECT 'old-' || g AS thread_id FROM generate_series(1, %s) AS g",
                     (threads,))
        _old_rows(conn, "", "", "", "FROM old_threads AS t", per_thread)
        conn.execute("VACUUM ANALYZE")
    with PostgresSaver.from_conn_string(dsn) as saver:
        started = time.perf_counter()
        saver.prune([f"old-{g}" for g in range(1, threads + 1)], strategy="delete")
        return time.perf_counter() - started


def _store_search(dsn: str, items: int, ours: bool) -> Measure:
    table = "langgraph.store" if ours else "store"
    with psycopg.connect(dsn, autocommit=True) as conn:
        root = "'bench', " if ours else ""
        conn.execute(f"""INSERT INTO {table} ({"root, " if ours else ""}prefix, key, value)
                         SELECT {root}'bench.items', 'k' || g,
                                jsonb_build_object('group', g %% 100, 'text', 'item ' || g, 'n', g)
                         FROM generate_series(1, %s) AS g""", (items,))
        conn.execute(f"VACUUM ANALYZE {table}")
    if ours:
        from agentdb.langgraph import AgentDbStore
        maker = AgentDbStore.from_conn_string(app(dsn))
    else:
        from langgraph.store.postgres import PostgresStore
        maker = PostgresStore.from_conn_string(dsn)
    with maker as store:
        def search():
            found = store.search(("bench",), filter={"group": 7}, limit=10)
            assert len(found) == 10 and all(i.value["group"] == 7 for i in found)
        return _samples(search)


def run(quick: bool) -> Table:
    sizes = QUICK if quick else FULL
    n = sizes["checkpoints"]
    result = Table(f"LangGraph persistence (thread of {n:,} checkpoints; langgraph-checkpoint-postgres on the same server)")
    if not installed():
        result.add("LangGraph", "", "langgraph-checkpoint-postgres not installed (pip install -e '.[bench]')", None)
        return result
    from langgraph.checkpoint.postgres import PostgresSaver
    from langgraph.store.postgres import PostgresStore

    from agentdb.langgraph import AgentDbSaver

    with fresh_database(("core", "langgraph"), prefix="agentdb_bench_lg") as ours, \
            fresh_database((), prefix="agentdb_bench_lg_peer") as theirs:
        with psycopg.connect(theirs, autocommit=True) as conn:
            conn.execute("CREATE EXTENSION IF NOT EXISTS vector")
        with AgentDbSaver.from_conn_string(app(ours)) as saver:
            mine = _step_and_list(saver, "bench-thread", n)
        with PostgresSaver.from_conn_string(theirs) as saver:
            saver.setup()
            peer = _step_and_list(saver, "bench-thread", n)
        with PostgresStore.from_conn_string(theirs) as store:
            store.setup()
        result.add(f"graph step: get_tuple + put + put_writes, thread of {n:,}", ">= PostgresSaver",
                   mine["step"], peer["step"])
        result.add(f"list: a thread's whole history ({n:,} checkpoints)", ">= PostgresSaver", mine["list"], peer["list"])
        result.add("storage per checkpoint (checkpoints, blobs, writes, indexes)", "bounded by the cap",
                   _storage(ours, ["langgraph.checkpoints", "langgraph.checkpoint_blobs", "langgraph.checkpoint_writes"],
                            "SELECT count(*) FROM langgraph.checkpoints"),
                   _storage(theirs, ["checkpoints", "checkpoint_blobs", "checkpoint_writes"],
                            "SELECT count(*) FROM checkpoints"),
                   note="per thread: agentdb keeps langgraph_history_cap, PostgresSaver every one", higher_is_better=False)
        threads, per = sizes["threads"], sizes["per_thread"]
        result.add(f"retention: a month of {threads:,} idle threads ({per} checkpoints each)", ">= PostgresSaver",
                   Measure([_old_month_agentdb(ours, threads, per)]), Measure([_old_month_peer(theirs, threads, per)]),
                   note="agentdb: maintenance drops the month's partitions; PostgresSaver: prune(delete) by thread")
        items = sizes["items"]
        result.add(f"store search, 1 % filter over {items:,} items", ">= PostgresStore",
                   _store_search(ours, items, True), _store_search(theirs, items, False),
                   note="agentdb: GIN on value; PostgresStore scans the namespace")
    return result
