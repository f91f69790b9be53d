"""AgentDbStore and AsyncAgentDbStore: LangGraph's BaseStore on agentdb's langgraph.store tables.

Constructed as PostgresStore / AsyncPostgresStore are (`from_conn_string`, or a connection or pool;
`index` = {"dims", "embed", "fields"}, `ttl` = TTLConfig), with the same behaviour (docs/langgraph.md
lists where it differs):
  * the schema and its HNSW index are migrated by dbctl; setup() checks that and that index["dims"]
    is the migrated dimension (langgraph_store_embedding_dim);
  * a vector search orders by the index's cosine distance itself, so pgvector's HNSW index serves it
    (PostgresStore's query cannot use its own index); only cosine is indexed (other distance types
    are refused at construction);
  * an equality filter is also written as containment, which the value's GIN index serves;
  * expired items are removed by agentdb's maintenance (no sweeper thread); start_ttl_sweeper() /
    sweep_ttl() exist for compatibility and run the same SQL once.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections import defaultdict
from collections.abc import AsyncIterator, Iterable, Iterator, Mapping, Sequence
from contextlib import asynccontextmanager, contextmanager
from typing import Any, cast

from langgraph.store.base import (
    BaseStore,
    GetOp,
    IndexConfig,
    Item,
    ListNamespacesOp,
    Op,
    PutOp,
    Result,
    SearchItem,
    SearchOp,
    TTLConfig,
    ensure_embeddings,
    get_text_at_path,
    tokenize_path,
    validate_op_namespace,
)
from psycopg import AsyncConnection, Connection
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb
from psycopg_pool import AsyncConnectionPool, ConnectionPool

from agentdb.langgraph._base import ModuleNotMigrated, not_migrated

DIMS_SQL = """
SELECT to_regclass('langgraph.store') AS store,
       (SELECT a.atttypmod FROM pg_attribute AS a
        WHERE a.attrelid = to_regclass('langgraph.store_vectors') AND a.attname = 'embedding') AS dims
"""
VECTOR_SCHEMA_SQL = """
SELECT quote_ident(n.nspname) AS schema FROM pg_extension AS e
INNER JOIN pg_namespace AS n ON n.oid = e.extnamespace WHERE e.extname = 'vector'
"""
SWEEP_SQL = "DELETE FROM langgraph.store AS s WHERE s.expires_at <= now()"
# A refreshed expiry: now() plus the item's TTL in immutable arithmetic on the epoch (Citus refuses
# a STABLE function, such as timestamptz + interval, applied to a column in an UPDATE).
_REFRESHED = "to_timestamp(extract(epoch FROM now())::float8 + s.ttl_minutes * 60)"
_LIVE = "AND (s.expires_at IS NULL OR s.expires_at > now())"


def _ns(namespace: Sequence[str]) -> str:
    return ".".join(namespace)


def _like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _prepare_index(index: IndexConfig | None) -> tuple[Any, dict | None]:
    if not index:
        return None, None
    config = dict(index)
    if config.get("distance_type", "cosine") != "cosine":
        raise ValueError("AgentDbStore indexes embeddings by cosine distance (HNSW, vector_cosine_ops); "
                         f"distance_type {config['distance_type']!r} is not supported")
    fields = config.get("fields") or ["$"]
    if isinstance(fields, str):
        fields = [fields]
    config["__tokenized_fields"] = [(p, "$" if p == "$" else tokenize_path(p)) for p in fields]
    config["__estimated_num_vectors"] = sum(1 if p == "$" else len(tokenize_path(p)) for p in fields)
    return ensure_embeddings(config.get("embed")), config


class _Plan:
    """The statements of one batch: built once, run by the sync or the async store."""

    def __init__(self, store: _StoreBase, ops: Iterable[Op]):
        self.store = store
        self.grouped: dict[type, list[tuple[int, Op]]] = defaultdict(list)
        n = 0
        for i, op in enumerate(ops):
            validate_op_namespace(op)
            self.grouped[type(op)].append((i, op))
            n += 1
        self.results: list[Result] = [None] * n
        self.omit_expired = bool(store.ttl_config and store.ttl_config.get("omit_expired"))

    # ----- get -----
    def gets(self) -> list[tuple[str, tuple, tuple[str, ...], list]]:
        by_ns: dict[tuple[str, ...], list[tuple[int, str, bool]]] = defaultdict(list)
        for i, op in self.grouped.get(GetOp, []):
            op = cast(GetOp, op)
            by_ns[op.namespace].append((i, op.key, bool(op.refresh_ttl)))
        live = _LIVE if self.omit_expired else ""
        out = []
        for namespace, items in by_ns.items():
            keys = [k for _, k, _ in items]
            refresh = [r for _, _, r in items]
            query = f"""
                WITH passed_in AS (SELECT unnest(%s::text[]) AS key, unnest(%s::bool[]) AS do_refresh),
                updated AS (
                    UPDATE langgraph.store AS s SET expires_at = {_REFRESHED}
                    FROM passed_in AS p
                    WHERE s.root = %s AND s.prefix = %s AND s.key = p.key AND p.do_refresh AND s.ttl_minutes IS NOT NULL {live}
                    RETURNING s.key
                )
                SELECT s.key, s.value, s.created_at, s.updated_at
                FROM langgraph.store AS s
                WHERE s.root = %s AND s.prefix = %s AND s.key = ANY (%s::text[]) {live}
            """
            root, prefix = namespace[0], _ns(namespace)
            out.append((query, (keys, refresh, root, prefix, root, prefix, keys), namespace, items))
        return out

    def took_gets(self, namespace, items, rows) -> None:
        by_key = {r["key"]: r for r in rows}
        for i, key, _ in items:
            row = by_key.get(key)
            self.results[i] = None if row is None else Item(
                value=row["value"], key=key, namespace=namespace, created_at=row["created_at"],
                updated_at=row["updated_at"])

    # ----- put -----
    def puts(self) -> tuple[list[tuple[str, Sequence]], list[tuple[str, str, str, str, str]]]:
        """The statements, and the texts to embed (root, prefix, key, field, text)."""
        last: dict[tuple[tuple[str, ...], str], PutOp] = {}
        for _, op in self.grouped.get(PutOp, []):
            op = cast(PutOp, op)
            last[(op.namespace, op.key)] = op
        deletes = [op for op in last.values() if op.value is None]
        inserts = [op for op in last.values() if op.value is not None]
        queries: list[tuple[str, Sequence]] = []
        by_ns: dict[tuple[str, ...], list[str]] = defaultdict(list)
        for op in deletes:
            by_ns[op.namespace].append(op.key)
        for namespace, keys in by_ns.items():
            queries.append(("DELETE FROM langgraph.store AS s WHERE s.root = %s AND s.prefix = %s AND s.key = ANY (%s::text[])",
                            (namespace[0], _ns(namespace), keys)))
        texts: list[tuple[str, str, str, str, str]] = []
        if inserts:
            roots, prefixes, keys, values, ttls = [], [], [], [], []
            for op in inserts:
                roots.append(op.namespace[0])
                prefixes.append(_ns(op.namespace))
                keys.append(op.key)
                values.append(json.dumps(dict(cast(Mapping[str, Any], op.value))))
                ttls.append(None if op.ttl is None else float(op.ttl))
            queries.append(("""
                INSERT INTO langgraph.store AS s (root, prefix, key, value, created_at, updated_at, expires_at, ttl_minutes)
                SELECT i.root, i.prefix, i.key, i.value::jsonb, now(), now(),
                       now() + make_interval(secs => i.ttl * 60), i.ttl
                FROM unnest(%s::text[], %s::text[], %s::text[], %s::text[], %s::float8[]) AS i (root, prefix, key, value, ttl)
                ON CONFLICT (root, prefix, key) DO UPDATE
                SET value = excluded.value, updated_at = excluded.updated_at, expires_at = excluded.expires_at,
                    ttl_minutes = excluded.ttl_minutes
            """, (roots, prefixes, keys, values, ttls)))
            config = self.store.index_config
            if config:
                for op in inserts:
                    if op.index is False:
                        continue
                    paths = (config["__tokenized_fields"] if op.index is None
                             else [(ix, tokenize_path(ix)) for ix in op.index])
                    for path, tokens in paths:
                        found = get_text_at_path(op.value, tokens)
                        for n, text in enumerate(found):
                            texts.append((op.namespace[0], _ns(op.namespace), op.key,
                                          f"{path}.{n}" if len(found) > 1 else path, text))
        return queries, texts

    def vectors_query(self, texts, vectors) -> tuple[str, Sequence]:
        return ("""
            INSERT INTO langgraph.store_vectors AS v (root, prefix, key, field_name, embedding)
            SELECT x.root, x.prefix, x.key, x.field_name, x.embedding::text::{vector}
            FROM unnest(%s::text[], %s::text[], %s::text[], %s::text[], %s::text[])
                 AS x (root, prefix, key, field_name, embedding)
            ON CONFLICT (root, prefix, key, field_name) DO UPDATE
            SET embedding = excluded.embedding, updated_at = excluded.updated_at
        """.replace("{vector}", f"{self.store._vector_schema}.vector"),
                ([t[0] for t in texts], [t[1] for t in texts], [t[2] for t in texts], [t[3] for t in texts],
                 [json.dumps([float(x) for x in v]) for v in vectors]))

    # ----- search -----
    def searches(self) -> list[tuple[int, SearchOp, str, list, str | None]]:
        """(result index, op, query, params, text to embed into the first parameter or None)."""
        live = _LIVE if self.omit_expired else ""
        out = []
        for i, op in self.grouped.get(SearchOp, []):
            op = cast(SearchOp, op)
            where, params = ["TRUE"], []
            if op.namespace_prefix:
                prefix = _ns(op.namespace_prefix)
                where.append("s.root = %s AND (s.prefix = %s OR s.prefix LIKE %s ESCAPE '\\')")
                params += [op.namespace_prefix[0], prefix, f"{_like(prefix)}.%"]
            for key, value in (op.filter or {}).items():
                if isinstance(value, dict):
                    for name, operand in value.items():
                        clause, extra = _filter_condition(key, name, operand)
                        where.append(clause)
                        params += extra
                else:
                    # Containment finds the candidates through the GIN index, equality decides.
                    where.append("s.value @> %s::jsonb AND s.value -> %s = %s::jsonb")
                    params += [json.dumps({key: value}), key, json.dumps(value)]
            condition = " AND ".join(where) + f" {live}"
            if op.query and self.store.index_config:
                distance = f"OPERATOR({self.store._vector_schema}.<=>)"
                vector = f"%s::text::{self.store._vector_schema}.vector"
                expanded = op.limit * self.store.index_config["__estimated_num_vectors"] * 2 + 1 + op.offset
                sv_root = "AND sv.root = %s" if op.namespace_prefix else ""
                s_root = "WHERE s.root = %s" if op.namespace_prefix else ""
                query = f"""
                    WITH scored AS MATERIALIZED (
                        SELECT sv.root, sv.prefix, sv.key, sv.embedding {distance} {vector} AS distance
                        FROM langgraph.store_vectors AS sv
                        INNER JOIN langgraph.store AS s ON s.root = sv.root AND s.prefix = sv.prefix AND s.key = sv.key
                        WHERE {condition} {sv_root}
                        ORDER BY sv.embedding {distance} {vector}
                        LIMIT %s
                    ), best AS (
                        SELECT DISTINCT ON (x.root, x.prefix, x.key) x.root, x.prefix, x.key, x.distance
                        FROM scored AS x ORDER BY x.root, x.prefix, x.key, x.distance
                    )
                    SELECT s.prefix, s.key, s.value, s.created_at, s.updated_at, 1 - b.distance AS score
                    FROM best AS b
                    INNER JOIN langgraph.store AS s ON s.root = b.root AND s.prefix = b.prefix AND s.key = b.key
                    {s_root}
                    ORDER BY b.distance, s.prefix, s.key
                    LIMIT %s OFFSET %s
                """
                # With a namespace prefix, its root named in every table: Citus routes it to one shard.
                root = [op.namespace_prefix[0]] if op.namespace_prefix else []
                params = [None, *params, *root, None, expanded, *root, op.limit, op.offset]
                embed = op.query
            else:
                query = f"""
                    SELECT s.prefix, s.key, s.value, s.created_at, s.updated_at, NULL::float8 AS score
                    FROM langgraph.store AS s
                    WHERE {condition}
                    ORDER BY s.updated_at DESC, s.prefix, s.key
                    LIMIT %s OFFSET %s
                """
                params = [*params, op.limit, op.offset]
                embed = None
            if op.refresh_ttl:
                query = f"""
                    WITH found AS ({query}),
                    refreshed AS (
                        UPDATE langgraph.store AS s SET expires_at = {_REFRESHED}
                        FROM found AS f
                        WHERE s.root = split_part(f.prefix, '.', 1) AND s.prefix = f.prefix AND s.key = f.key
                          AND s.ttl_minutes IS NOT NULL {{root}}
                    )
                    SELECT * FROM found
                """
                # The root as a value too: Citus then routes the update to the namespace's shard.
                if op.namespace_prefix:
                    query = query.replace("{root}", "AND s.root = %s")
                    params.append(op.namespace_prefix[0])
                else:
                    query = query.replace("{root}", "")
            out.append((i, op, query, params, embed))
        return out

    def took_search(self, i: int, rows) -> None:
        self.results[i] = [
            SearchItem(namespace=tuple(r["prefix"].split(".")), key=r["key"], value=r["value"],
                       created_at=r["created_at"], updated_at=r["updated_at"],
                       score=None if r["score"] is None else float(r["score"]))
            for r in rows
        ]

    # ----- list_namespaces -----
    def lists(self) -> list[tuple[int, str, Sequence]]:
        live = "AND (s.expires_at IS NULL OR s.expires_at > now())" if self.omit_expired else ""
        out = []
        for i, op in self.grouped.get(ListNamespacesOp, []):
            op = cast(ListNamespacesOp, op)
            where, params = ["TRUE"], []
            for condition in op.match_conditions or ():
                if not condition.path:
                    continue
                labels = [None if part == "*" else part for part in condition.path]
                n = len(labels)
                if condition.match_type == "prefix":
                    # The first labels: a range of the primary key when the first label is given.
                    if labels[0] is not None:
                        where.append("s.root = %s")
                        params.append(labels[0])
                    where.append("cardinality(l.labels) >= %s AND l.labels[1:%s] = "
                                 "(SELECT array_agg(coalesce(x.want, y.have) ORDER BY x.n) FROM "
                                 "unnest(%s::text[]) WITH ORDINALITY AS x (want, n) "
                                 "INNER JOIN unnest(l.labels) WITH ORDINALITY AS y (have, n) ON y.n = x.n)")
                    params += [n, n, labels]
                else:
                    where.append("cardinality(l.labels) >= %s AND l.labels[cardinality(l.labels) - %s + 1:] = "
                                 "(SELECT array_agg(coalesce(x.want, y.have) ORDER BY x.n) FROM "
                                 "unnest(%s::text[]) WITH ORDINALITY AS x (want, n) "
                                 "INNER JOIN unnest(l.labels[cardinality(l.labels) - %s + 1:]) WITH ORDINALITY AS y (have, n) "
                                 "ON y.n = x.n)")
                    params += [n, n, labels, n]
            depth = "l.labels" if op.max_depth is None else "l.labels[1:%s]"
            if op.max_depth is not None:
                params = [op.max_depth, *params]
            query = f"""
                SELECT DISTINCT {depth} AS namespace
                FROM (SELECT DISTINCT s.root, s.prefix FROM langgraph.store AS s WHERE TRUE {live}) AS s
                CROSS JOIN LATERAL (SELECT string_to_array(s.prefix, '.') AS labels) AS l
                WHERE {" AND ".join(where)}
                ORDER BY 1
                LIMIT %s OFFSET %s
            """
            out.append((i, query, [*params, op.limit, op.offset]))
        return out

    def took_list(self, i: int, rows) -> None:
        self.results[i] = [tuple(r["namespace"]) for r in rows]


def _filter_condition(key: str, op: str, value: Any) -> tuple[str, list]:
    """PostgresStore's comparison operators ($eq, $ne, $gt, $gte, $lt, $lte)."""
    if op == "$eq":
        return "s.value -> %s = %s::jsonb", [key, json.dumps(value)]
    if op == "$ne":
        return "s.value -> %s != %s::jsonb", [key, json.dumps(value)]
    if op in ("$gt", "$gte", "$lt", "$lte"):
        # jsonb order: numbers as numbers (PostgresStore compares their text: '2' > '15'), strings as
        # strings; a value of another JSON type never matches.
        sign = {"$gt": ">", "$gte": ">=", "$lt": "<", "$lte": "<="}[op]
        return (f"jsonb_typeof(s.value -> %s) = jsonb_typeof(%s::jsonb) AND s.value -> %s {sign} %s::jsonb",
                [key, json.dumps(value), key, json.dumps(value)])
    raise ValueError(f"Unsupported operator: {op}")


class _StoreBase(BaseStore):
    supports_ttl: bool = True

    def _configure(self, index: IndexConfig | None, ttl: TTLConfig | None) -> None:
        self.embeddings, self.index_config = _prepare_index(index)
        self.ttl_config = ttl

    _vector_schema: str | None = None

    def _check(self, found: dict[str, Any]) -> None:
        if found["store"] is None:
            raise not_migrated("is not migrated in this database")
        if self.index_config and found["dims"] != self.index_config["dims"]:
            raise ModuleNotMigrated(
                f"the store's embeddings have {found['dims']} dimensions in this database, the index config "
                f"{self.index_config['dims']}: migrate with `dbctl --set langgraph_store_embedding_dim="
                f"{self.index_config['dims']} migrate --module langgraph` on a new database, or embed in "
                f"{found['dims']} dimensions")


class AgentDbStore(_StoreBase):
    """LangGraph BaseStore on agentdb (sync; abatch runs batch in a thread), like PostgresStore."""

    def __init__(self, conn: Connection | ConnectionPool, *, pipe: Any = None, deserializer: Any = None,
                 index: IndexConfig | None = None, ttl: TTLConfig | None = None) -> None:
        super().__init__()
        self.conn = conn
        self.lock = threading.Lock()
        self._configure(index, ttl)

    @classmethod
    @contextmanager
    def from_conn_string(cls, conn_string: str, *, pipeline: bool = False, pool_config: Any = None,
                         index: IndexConfig | None = None, ttl: TTLConfig | None = None) -> Iterator[AgentDbStore]:
        with Connection.connect(conn_string, autocommit=True, prepare_threshold=0, row_factory=dict_row) as conn:
            yield cls(conn, index=index, ttl=ttl)

    @contextmanager
    def _cursor(self):
        if isinstance(self.conn, ConnectionPool):
            with self.conn.connection() as conn, conn.transaction(), conn.cursor(row_factory=dict_row) as cur:
                yield cur
            return
        with self.lock, self.conn.transaction(), self.conn.cursor(row_factory=dict_row) as cur:
            yield cur

    def setup(self) -> None:
        """Checks the module is migrated and the embedding dimension matches (creates nothing)."""
        with self._cursor() as cur:
            self._check(cur.execute(DIMS_SQL).fetchone())

    def batch(self, ops: Iterable[Op]) -> list[Result]:
        if self.index_config and self._vector_schema is None:
            with self._cursor() as cur:
                self._vector_schema = cur.execute(VECTOR_SCHEMA_SQL).fetchone()["schema"]
        plan = _Plan(self, ops)
        searches = plan.searches()
        to_embed = [s[4] for s in searches if s[4] is not None]
        queries, texts = plan.puts()
        query_vectors = iter(self.embeddings.embed_documents(to_embed)) if to_embed else iter(())
        vectors = self.embeddings.embed_documents([t[4] for t in texts]) if texts else []
        with self._cursor() as cur:
            for query, params, namespace, items in plan.gets():
                plan.took_gets(namespace, items, cur.execute(query, params).fetchall())
            for i, _, query, params, embed in searches:
                if embed is not None:
                    vector = json.dumps([float(x) for x in next(query_vectors)])
                    params = [vector if p is None and n in (0, len(params) - 4) else p for n, p in enumerate(params)]
                plan.took_search(i, cur.execute(query, params).fetchall())
            for i, query, params in plan.lists():
                plan.took_list(i, cur.execute(query, params).fetchall())
            for query, params in queries:
                cur.execute(query, params)
            if texts:
                cur.execute(*plan.vectors_query(texts, vectors))
        return plan.results

    async def abatch(self, ops: Iterable[Op]) -> list[Result]:
        return await asyncio.to_thread(self.batch, list(ops))

    def sweep_ttl(self) -> int:
        """Deletes expired items now (maintenance does it on its schedule); returns how many."""
        with self._cursor() as cur:
            return cur.execute(SWEEP_SQL).rowcount

    def start_ttl_sweeper(self, sweep_interval_minutes: int | None = None):
        """Nothing to start: agentdb's maintenance removes expired items (langgraph.expire_store_items)."""
        import concurrent.futures
        future: concurrent.futures.Future = concurrent.futures.Future()
        future.set_result(None)
        return future

    def stop_ttl_sweeper(self, timeout: float | None = None) -> bool:
        return True


class AsyncAgentDbStore(_StoreBase):
    """LangGraph BaseStore on agentdb (async; batch may be called from other threads), like AsyncPostgresStore."""

    def __init__(self, conn: AsyncConnection | AsyncConnectionPool, *, pipe: Any = None, deserializer: Any = None,
                 index: IndexConfig | None = None, ttl: TTLConfig | None = None) -> None:
        super().__init__()
        self.conn = conn
        self.lock = asyncio.Lock()
        self.loop = asyncio.get_running_loop()
        self._configure(index, ttl)

    @classmethod
    @asynccontextmanager
    async def from_conn_string(cls, conn_string: str, *, pipeline: bool = False, pool_config: Any = None,
                               index: IndexConfig | None = None,
                               ttl: TTLConfig | None = None) -> AsyncIterator[AsyncAgentDbStore]:
        async with await AsyncConnection.connect(conn_string, autocommit=True, prepare_threshold=0,
                                                 row_factory=dict_row) as conn:
            yield cls(conn, index=index, ttl=ttl)

    @asynccontextmanager
    async def _cursor(self):
        if isinstance(self.conn, AsyncConnectionPool):
            async with self.conn.connection() as conn, conn.transaction(), conn.cursor(row_factory=dict_row) as cur:
                yield cur
            return
        async with self.lock, self.conn.transaction(), self.conn.cursor(row_factory=dict_row) as cur:
            yield cur

    async def setup(self) -> None:
        """Checks the module is migrated and the embedding dimension matches (creates nothing)."""
        async with self._cursor() as cur:
            self._check(await (await cur.execute(DIMS_SQL)).fetchone())

    async def abatch(self, ops: Iterable[Op]) -> list[Result]:
        if self.index_config and self._vector_schema is None:
            async with self._cursor() as cur:
                self._vector_schema = (await (await cur.execute(VECTOR_SCHEMA_SQL)).fetchone())["schema"]
        plan = _Plan(self, ops)
        searches = plan.searches()
        to_embed = [s[4] for s in searches if s[4] is not None]
        queries, texts = plan.puts()
        query_vectors = iter(await self.embeddings.aembed_documents(to_embed)) if to_embed else iter(())
        vectors = await self.embeddings.aembed_documents([t[4] for t in texts]) if texts else []
        async with self._cursor() as cur:
            for query, params, namespace, items in plan.gets():
                plan.took_gets(namespace, items, await (await cur.execute(query, params)).fetchall())
            for i, _, query, params, embed in searches:
                if embed is not None:
                    vector = json.dumps([float(x) for x in next(query_vectors)])
                    params = [vector if p is None and n in (0, len(params) - 4) else p for n, p in enumerate(params)]
                plan.took_search(i, await (await cur.execute(query, params)).fetchall())
            for i, query, params in plan.lists():
                plan.took_list(i, await (await cur.execute(query, params)).fetchall())
            for query, params in queries:
                await cur.execute(query, params)
            if texts:
                await cur.execute(*plan.vectors_query(texts, vectors))
        return plan.results

    def batch(self, ops: Iterable[Op]) -> list[Result]:
        try:
            if asyncio.get_running_loop() is self.loop:
                raise asyncio.InvalidStateError(
                    "Synchronous calls to AsyncAgentDbStore are only allowed from a different thread. From the "
                    "main thread, use the async interface (`await store.abatch(...)`, `await store.aget(...)`).")
        except RuntimeError:
            pass
        return asyncio.run_coroutine_threadsafe(self.abatch(list(ops)), self.loop).result()

    async def sweep_ttl(self) -> int:
        async with self._cursor() as cur:
            return (await cur.execute(SWEEP_SQL)).rowcount
