"""LangGraph persistence: agentdb's AgentDbSaver / AgentDbStore beside langgraph-checkpoint-postgres'
PostgresSaver / PostgresStore (the peer), on the same server (a database each), in one run:
  * a graph step (get_tuple + put + put_writes) on a thread with 1,000 checkpoints;
  * list of that thread's whole history;
  * storage per checkpoint (what checkpoints, blobs, writes and their indexes grew by, per checkpoint);
  * retention removing a month of threads: agentdb drops the month's partitions (maintenance's
    langgraph.remove_idle_threads), PostgresSaver's only way is a DELETE (prune(strategy="delete"));
  * store search with a 1 % filter over 100,000 items.
Ratios are the peer's figure over agentdb's, time or bytes (above 1: agentdb is faster, or smaller). Each
time is measured in turn with its peer's, in rounds whose first alternates."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field

import psycopg
from psycopg.rows import dict_row

from bench.common import RUNS, Measure, commit_floor, fresh_database, save_json, timed

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

    @staticmethod
    def ratio(ours, theirs, higher: bool) -> float | None:
        """The peer's median over agentdb's for a time or a size, agentdb's over the peer's for a rate:
        above 1, agentdb is better."""
        if isinstance(ours, Measure) and isinstance(theirs, Measure) and ours.median and theirs.median:
            return ours.median / theirs.median if higher else theirs.median / ours.median
        return None

    def save(self, dsn: str, sizes: dict):
        def as_json(v):
            return {"median": v.median, "values": v.values, "unit": v.unit} if isinstance(v, Measure) else v
        rows = [{"metric": metric, "target": goal, "agentdb": as_json(ours), "floor": as_json(theirs),
                 "floor_label": "PostgresSaver / PostgresStore, same server, same run" if theirs is not None else "",
                 "ratio_to_floor": self.ratio(ours, theirs, higher), "ratio_reads": "peer / agentdb (> 1: agentdb better)",
                 "note": note} for metric, goal, ours, theirs, note, higher in self.rows]
        return save_json(self.title, dsn, sizes, rows)

    def render(self) -> str:
        from agentdb.text_table import table
        lines = []
        for metric, goal, ours, theirs, note, higher in self.rows:
            value = self.ratio(ours, theirs, higher)
            ratio = f"{value:,.2f}x" if value is not None else ""
            lines.append([metric, goal, *((v.text() if isinstance(v, Measure) else v or "") for v in (ours, theirs)),
                          ratio, note])
        headers = ["metric", "goal", "agentdb median (min-max)", "PostgresSaver / PostgresStore",
                   "peer / agentdb (> 1: agentdb better)", "note"]
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


def _stepper(saver, thread_id: str, count: int):
    """A thread of `count` checkpoints, and the two things measured on it: a graph step (get_tuple of
    the latest, put of the next checkpoint, put_writes of its task) and a list of its whole history."""
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

    return step, history


def _steps_and_lists(savers: dict, count: int, thread_id: str = "bench-thread") -> dict:
    """Steps and lists of each saver's thread, in turn: RUNS * 5 steps and RUNS lists per saver, one
    saver's step (or list) then the other's, the first alternating (a step is two commits, whose
    flushes wait on a disk other work shares: a burst of it falls on both alike)."""
    runners = {name: _stepper(saver, thread_id, count) for name, saver in savers.items()}
    out = {name: {"step": [], "list": []} for name in savers}
    for step, history in runners.values():  # warm-up
        step()
        history()
    names = list(savers)
    for n in range(RUNS * 5):
        for name in (names if n % 2 == 0 else names[::-1]):
            out[name]["step"].append(timed(runners[name][0])[0])
    for n in range(RUNS):
        for name in (names if n % 2 == 0 else names[::-1]):
            out[name]["list"].append(timed(runners[name][1])[0])
    return {name: {k: Measure(v) for k, v in measures.items()} for name, measures in out.items()}


def _samples(fn, runs: int = RUNS) -> Measure:
    fn()
    return Measure([timed(fn)[0] for _ in range(runs)])


def _size(dsn: str, tables: list[str]) -> int:
    """Bytes of the tables, their partitions, TOAST and indexes."""
    with psycopg.connect(dsn) as conn:
        return sum(conn.execute(
            """SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class AS c
               WHERE c.oid = %(t)s::regclass OR c.oid IN (SELECT inhrelid FROM pg_inherits WHERE inhparent = %(t)s::regclass)""",
            {"t": t}).fetchone()[0] for t in tables)


def _count(dsn: str, sql: str) -> int:
    with psycopg.connect(dsn) as conn:
        return conn.execute(sql).fetchone()[0]


OUR_TABLES = ["langgraph.checkpoints", "langgraph.checkpoint_blobs", "langgraph.checkpoint_writes"]
PEER_TABLES = ["checkpoints", "checkpoint_blobs", "checkpoint_writes"]


RETENTION_ROUNDS = 3  # months removed, one a round, agentdb and PostgresSaver in turn (alternating who goes first)


def _month(months_ago: int) -> str:
    return f"date_trunc('month', now()) - interval '{months_ago} months'"


def _old_month_agentdb(dsn: str, threads: int, per_thread: int, months_ago: int) -> float:
    """A month of idle threads (months_ago months back) in agentdb, then the maintenance task that
    removes them, in the session that made the month's partitions (a maintenance run makes
    partitions ahead, then runs the retention tasks)."""
    month, prefix = _month(months_ago), f"old{months_ago}-"
    with psycopg.connect(dsn, autocommit=True) as conn:
        for parent in ("checkpoints", "checkpoint_blobs", "checkpoint_writes"):
            conn.execute(f"SELECT count(*) FROM core.create_partition('langgraph.{parent}', {month})")
        conn.execute(f"""INSERT INTO langgraph.threads (thread_id, created_at, last_activity_at)
                         SELECT %s || g, {month} + g * interval '1 second', {month} + interval '1 day'
                         FROM generate_series(1, %s) AS g""", (prefix, threads))
        _old_rows(conn, "langgraph.", ", thread_created_at", ", t.created_at",
                  f"FROM langgraph.threads AS t WHERE t.thread_id LIKE '{prefix}%%'", per_thread)
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


def _old_month_peer(dsn: str, threads: int, per_thread: int, months_ago: int) -> float:
    """The same threads in PostgresSaver's tables, removed by its only means: prune(strategy="delete")."""
    from langgraph.checkpoint.postgres import PostgresSaver
    prefix = f"old{months_ago}-"
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("CREATE TEMP TABLE old_threads AS SELECT %s || g AS thread_id FROM generate_series(1, %s) AS g",
                     (prefix, threads))
        _old_rows(conn, "", "", "", "FROM old_threads AS t", per_thread)
        conn.execute("VACUUM ANALYZE")
    with PostgresSaver.from_conn_string(dsn) as saver:
        started = time.perf_counter()
        saver.prune([f"{prefix}{g}" for g in range(1, threads + 1)], strategy="delete")
        return time.perf_counter() - started


def _retention(ours: str, theirs: str, threads: int, per_thread: int) -> tuple[Measure, Measure]:
    """RETENTION_ROUNDS rounds, each on its own month (3, 4, ... months ago) and its own threads,
    agentdb and PostgresSaver in turn, the first of the pair alternating."""
    mine, peer = [], []
    for n in range(RETENTION_ROUNDS):
        months_ago = 3 + n
        pair = [(mine, lambda: _old_month_agentdb(ours, threads, per_thread, months_ago)),
                (peer, lambda: _old_month_peer(theirs, threads, per_thread, months_ago))]
        for out, fn in (pair if n % 2 == 0 else pair[::-1]):
            out.append(fn())
    return Measure(mine), Measure(peer)


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
        with AgentDbSaver.from_conn_string(app(ours)) as mine, PostgresSaver.from_conn_string(theirs) as peer:
            peer.setup()
            # Storage per checkpoint: what the tables grew by while the thread was written (the empty
            # tables, and agentdb's empty partitions made ahead, are not per checkpoint).
            empty = {"ours": _size(ours, OUR_TABLES), "peer": _size(theirs, PEER_TABLES)}
            measured = _steps_and_lists({"ours": mine, "peer": peer}, n)
        storage = {
            "ours": (_size(ours, OUR_TABLES) - empty["ours"]) / _count(ours, "SELECT count(*) FROM langgraph.checkpoints"),
            "peer": (_size(theirs, PEER_TABLES) - empty["peer"]) / _count(theirs, "SELECT count(*) FROM checkpoints"),
        }
        # The same steps with the commits' WAL flushes not waited for (synchronous_commit off on both
        # sides, a thread of their own): what a step costs besides the two flushes, which on a shared
        # disk are most of it; and those two flushes, measured alone (the floor of a step).
        unflushed = "-c synchronous_commit=off"
        with AgentDbSaver.from_conn_string(psycopg.conninfo.make_conninfo(
                ours, options=f"-c role=agentdb_app {unflushed}")) as mine, \
                PostgresSaver.from_conn_string(psycopg.conninfo.make_conninfo(theirs, options=unflushed)) as peer:
            cpu = _steps_and_lists({"ours": mine, "peer": peer}, n, "bench-thread-unflushed")
        with psycopg.connect(ours, autocommit=True) as conn:
            commits = commit_floor(conn, RUNS * 10)
        with PostgresStore.from_conn_string(theirs) as store:
            store.setup()
        result.add(f"graph step: get_tuple + put + put_writes, thread of {n:,}", ">= PostgresSaver",
                   measured["ours"]["step"], measured["peer"]["step"], note="agentdb and PostgresSaver in turn")
        result.add("graph step, flushes not waited for (synchronous_commit off, both)", "diagnostic",
                   cpu["ours"]["step"], cpu["peer"]["step"], note="the step above less its two commits' wait")
        result.add("floor: two commits (a one-row insert and its commit, twice)", "floor of a step",
                   Measure([a + b for a, b in zip(commits[::2], commits[1::2])]), None,
                   note="what each step of either saver waits for on this server's disk")
        result.add(f"list: a thread's whole history ({n:,} checkpoints)", ">= PostgresSaver",
                   measured["ours"]["list"], measured["peer"]["list"], note="agentdb and PostgresSaver in turn")
        result.add("storage per checkpoint (checkpoints, blobs, writes, indexes)", "<= PostgresSaver; bounded by the cap",
                   Measure([storage["ours"]], "B"), Measure([storage["peer"]], "B"),
                   note="the tables' growth over the thread's checkpoints; per thread agentdb keeps "
                        "langgraph_history_cap, PostgresSaver every one", higher_is_better=False)
        threads, per = sizes["threads"], sizes["per_thread"]
        result.add(f"retention: a month of {threads:,} idle threads ({per} checkpoints each)", ">= PostgresSaver",
                   *_retention(ours, theirs, threads, per),
                   note=f"agentdb: maintenance drops the month's partitions; PostgresSaver: prune(delete) by thread; "
                        f"{RETENTION_ROUNDS} months, in turn")
        items = sizes["items"]
        result.add(f"store search, 1 % filter over {items:,} items", ">= PostgresStore",
                   _store_search(ours, items, True), _store_search(theirs, items, False),
                   note="agentdb: GIN on value; PostgresStore scans the namespace")
        result.save(ours, sizes)
    return result
