"""AgentDbSaver and AsyncAgentDbSaver: LangGraph checkpointers on agentdb's langgraph module.

Constructed as PostgresSaver / AsyncPostgresSaver are: `from_conn_string(...)` (a context manager), or
with a psycopg connection or pool of the application's. Every BaseCheckpointSaver method is there,
sync and async: put, put_writes, get_tuple, list, delete_thread, delete_for_runs, copy_thread, prune.
`setup()` creates nothing: the schema is migrated by `dbctl migrate --module langgraph`; setup()
checks that it was, and says what to run when not.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from datetime import datetime
from typing import Any

from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import ChannelVersions, Checkpoint, CheckpointMetadata, CheckpointTuple
from langgraph.checkpoint.serde.base import SerializerProtocol
from psycopg import AsyncConnection, Connection
from psycopg.rows import dict_row
from psycopg_pool import AsyncConnectionPool, ConnectionPool

from agentdb.langgraph._base import (
    CHECK_RIGHTS_SQL,
    CHECK_SQL,
    CHECKPOINT_AT_SQL,
    COPY_THREAD_SQL,
    DELETE_FOR_RUNS_SQL,
    DELETE_THREAD_SQL,
    PRUNE_SQL,
    PUT_SQL,
    PUT_WRITES_SQL,
    SELECT_PENDING_SENDS_SQL,
    AgentDbSaverBase,
    check_prune_arguments,
    checked_setup,
)

SyncConn = Connection | ConnectionPool
AsyncConn = AsyncConnection | AsyncConnectionPool


def _at_config(thread_id: str, checkpoint_ns: str, checkpoint_id: str | None) -> RunnableConfig | None:
    if checkpoint_id is None:
        return None
    return {"configurable": {"thread_id": thread_id, "checkpoint_ns": checkpoint_ns, "checkpoint_id": checkpoint_id}}


class AgentDbSaver(AgentDbSaverBase):
    """LangGraph checkpointer on agentdb (sync; its async methods run the sync ones in a thread).

        with AgentDbSaver.from_conn_string("postgresql://agentdb_app@db/agents") as checkpointer:
            graph = builder.compile(checkpointer=checkpointer)
    """

    def __init__(self, conn: SyncConn, pipe: Any = None, serde: SerializerProtocol | None = None) -> None:
        """conn: a psycopg Connection (autocommit, or each call runs in its own transaction block) or a
        ConnectionPool. pipe is accepted for PostgresSaver's signature: every call here is one
        statement already."""
        super().__init__(serde=serde)
        if isinstance(conn, ConnectionPool) and pipe is not None:
            raise ValueError("Pipeline should be used only with a single Connection, not ConnectionPool.")
        self.conn = conn
        self.lock = threading.Lock()

    @classmethod
    @contextmanager
    def from_conn_string(cls, conn_string: str, *, pipeline: bool = False,
                         serde: SerializerProtocol | None = None) -> Iterator[AgentDbSaver]:
        with Connection.connect(conn_string, autocommit=True, prepare_threshold=0, row_factory=dict_row) as conn:
            yield cls(conn, serde=serde)

    @contextmanager
    def _cursor(self):
        if isinstance(self.conn, ConnectionPool):
            with self.conn.connection() as conn, conn.cursor(binary=True, row_factory=dict_row) as cur:
                if conn.autocommit:
                    yield cur
                else:
                    with conn.transaction():
                        yield cur
            return
        with self.lock, self.conn.cursor(binary=True, row_factory=dict_row) as cur:
            if self.conn.autocommit:
                yield cur
            else:
                with self.conn.transaction():
                    yield cur

    def _run(self, query: str, params: Sequence[Any]) -> list[dict[str, Any]]:
        with self._cursor() as cur:
            cur.execute(query, params)
            return cur.fetchall() if cur.description else []

    def setup(self) -> None:
        """Checks that the langgraph module is migrated and usable by this role (creates nothing);
        raises ModuleNotMigrated naming `dbctl migrate --module langgraph` otherwise."""
        with self._cursor() as cur:
            found = cur.execute(CHECK_SQL).fetchone()
            rights = cur.execute(CHECK_RIGHTS_SQL).fetchone() if found["put"] and found["store"] else None
        checked_setup(found, rights)

    def _select(self, query: str, params: dict[str, Any]) -> list[dict[str, Any]]:
        with self._cursor() as cur:
            rows = cur.execute(query, params).fetchall()
            for thread_id, parents in self._sends_to_migrate(rows).items():
                sends = cur.execute(SELECT_PENDING_SENDS_SQL, (thread_id, thread_id, parents)).fetchall()
                self._apply_sends([r for r in rows if r["thread_id"] == thread_id], sends)
        return rows

    def get_tuple(self, config: RunnableConfig) -> CheckpointTuple | None:
        query, params = self._get_params(config)
        rows = self._select(query, params)
        return self._load_tuple(rows[0]) if rows else None

    def list(self, config: RunnableConfig | None, *, filter: dict[str, Any] | None = None,
             before: RunnableConfig | None = None, limit: int | None = None) -> Iterator[CheckpointTuple]:
        query, params = self._list_query(config, filter, before, limit)
        for row in self._select(query, params):
            yield self._load_tuple(row)

    def put(self, config: RunnableConfig, checkpoint: Checkpoint, metadata: CheckpointMetadata,
            new_versions: ChannelVersions) -> RunnableConfig:
        params, next_config = self._put_params(config, checkpoint, metadata, new_versions)
        self._run(PUT_SQL, params)
        return next_config

    def put_writes(self, config: RunnableConfig, writes: Sequence[tuple[str, Any]], task_id: str,
                   task_path: str = "") -> None:
        if writes:
            self._run(PUT_WRITES_SQL, self._put_writes_params(config, writes, task_id, task_path))

    def delete_thread(self, thread_id: str) -> None:
        self._run(DELETE_THREAD_SQL, (str(thread_id),))

    def delete_for_runs(self, run_ids: Sequence[str]) -> None:
        if run_ids := [str(r) for r in run_ids]:
            self._run(DELETE_FOR_RUNS_SQL, (run_ids,))

    def copy_thread(self, source_thread_id: str, target_thread_id: str) -> None:
        self._run(COPY_THREAD_SQL, (str(source_thread_id), str(target_thread_id)))

    def prune(self, thread_ids: Sequence[str], *, strategy: str = "keep_latest") -> None:
        """keep_latest keeps each namespace's newest checkpoint and everything it needs to be restored
        (DeltaChannel histories included); delete removes the threads."""
        if thread_ids := check_prune_arguments(thread_ids, strategy):
            self._run(PRUNE_SQL, (thread_ids, strategy))

    def get_config_at(self, thread_id: str, at: datetime, checkpoint_ns: str = "") -> RunnableConfig | None:
        """Time travel by time: the config of the checkpoint the thread was at, at `at` (None if none)."""
        rows = self._run(CHECKPOINT_AT_SQL, (str(thread_id), at, checkpoint_ns))
        return _at_config(str(thread_id), checkpoint_ns, rows[0]["checkpoint_id"] if rows else None)

    # Async methods: the sync ones in a worker thread.
    async def aget_tuple(self, config: RunnableConfig) -> CheckpointTuple | None:
        return await asyncio.to_thread(self.get_tuple, config)

    async def alist(self, config: RunnableConfig | None, *, filter: dict[str, Any] | None = None,
                    before: RunnableConfig | None = None, limit: int | None = None) -> AsyncIterator[CheckpointTuple]:
        for item in await asyncio.to_thread(
                lambda: list(self.list(config, filter=filter, before=before, limit=limit))):
            yield item

    async def aput(self, config: RunnableConfig, checkpoint: Checkpoint, metadata: CheckpointMetadata,
                   new_versions: ChannelVersions) -> RunnableConfig:
        return await asyncio.to_thread(self.put, config, checkpoint, metadata, new_versions)

    async def aput_writes(self, config: RunnableConfig, writes: Sequence[tuple[str, Any]], task_id: str,
                          task_path: str = "") -> None:
        await asyncio.to_thread(self.put_writes, config, writes, task_id, task_path)

    async def adelete_thread(self, thread_id: str) -> None:
        await asyncio.to_thread(self.delete_thread, thread_id)

    async def adelete_for_runs(self, run_ids: Sequence[str]) -> None:
        await asyncio.to_thread(self.delete_for_runs, run_ids)

    async def acopy_thread(self, source_thread_id: str, target_thread_id: str) -> None:
        await asyncio.to_thread(self.copy_thread, source_thread_id, target_thread_id)

    async def aprune(self, thread_ids: Sequence[str], *, strategy: str = "keep_latest") -> None:
        check_prune_arguments(thread_ids, strategy)
        await asyncio.to_thread(self.prune, thread_ids, strategy=strategy)


class AsyncAgentDbSaver(AgentDbSaverBase):
    """LangGraph checkpointer on agentdb (async; its sync methods may be called from other threads).

        async with AsyncAgentDbSaver.from_conn_string("postgresql://agentdb_app@db/agents") as checkpointer:
            graph = builder.compile(checkpointer=checkpointer)
    """

    def __init__(self, conn: AsyncConn, pipe: Any = None, serde: SerializerProtocol | None = None) -> None:
        super().__init__(serde=serde)
        if isinstance(conn, AsyncConnectionPool) and pipe is not None:
            raise ValueError("Pipeline should be used only with a single AsyncConnection, not AsyncConnectionPool.")
        self.conn = conn
        self.lock = asyncio.Lock()
        self.loop = asyncio.get_running_loop()

    @classmethod
    @asynccontextmanager
    async def from_conn_string(cls, conn_string: str, *, pipeline: bool = False,
                               serde: SerializerProtocol | None = None) -> AsyncIterator[AsyncAgentDbSaver]:
        async with await AsyncConnection.connect(conn_string, autocommit=True, prepare_threshold=0,
                                                 row_factory=dict_row) as conn:
            yield cls(conn, serde=serde)

    @asynccontextmanager
    async def _cursor(self):
        if isinstance(self.conn, AsyncConnectionPool):
            async with self.conn.connection() as conn, conn.cursor(binary=True, row_factory=dict_row) as cur:
                if conn.autocommit:
                    yield cur
                else:
                    async with conn.transaction():
                        yield cur
            return
        async with self.lock, self.conn.cursor(binary=True, row_factory=dict_row) as cur:
            if self.conn.autocommit:
                yield cur
            else:
                async with self.conn.transaction():
                    yield cur

    async def _run(self, query: str, params: Sequence[Any]) -> list[dict[str, Any]]:
        async with self._cursor() as cur:
            await cur.execute(query, params)
            return await cur.fetchall() if cur.description else []

    async def setup(self) -> None:
        """Checks that the langgraph module is migrated and usable by this role (creates nothing);
        raises ModuleNotMigrated naming `dbctl migrate --module langgraph` otherwise."""
        async with self._cursor() as cur:
            found = await (await cur.execute(CHECK_SQL)).fetchone()
            rights = None
            if found["put"] and found["store"]:
                rights = await (await cur.execute(CHECK_RIGHTS_SQL)).fetchone()
        checked_setup(found, rights)

    async def _select(self, query: str, params: dict[str, Any]) -> list[dict[str, Any]]:
        async with self._cursor() as cur:
            rows = await (await cur.execute(query, params)).fetchall()
            for thread_id, parents in self._sends_to_migrate(rows).items():
                sends = await (await cur.execute(SELECT_PENDING_SENDS_SQL, (thread_id, thread_id, parents))).fetchall()
                self._apply_sends([r for r in rows if r["thread_id"] == thread_id], sends)
        return rows

    async def aget_tuple(self, config: RunnableConfig) -> CheckpointTuple | None:
        query, params = self._get_params(config)
        rows = await self._select(query, params)
        return self._load_tuple(rows[0]) if rows else None

    async def alist(self, config: RunnableConfig | None, *, filter: dict[str, Any] | None = None,
                    before: RunnableConfig | None = None, limit: int | None = None) -> AsyncIterator[CheckpointTuple]:
        query, params = self._list_query(config, filter, before, limit)
        for row in await self._select(query, params):
            yield self._load_tuple(row)

    async def aput(self, config: RunnableConfig, checkpoint: Checkpoint, metadata: CheckpointMetadata,
                   new_versions: ChannelVersions) -> RunnableConfig:
        params, next_config = self._put_params(config, checkpoint, metadata, new_versions)
        await self._run(PUT_SQL, params)
        return next_config

    async def aput_writes(self, config: RunnableConfig, writes: Sequence[tuple[str, Any]], task_id: str,
                          task_path: str = "") -> None:
        if writes:
            await self._run(PUT_WRITES_SQL, self._put_writes_params(config, writes, task_id, task_path))

    async def adelete_thread(self, thread_id: str) -> None:
        await self._run(DELETE_THREAD_SQL, (str(thread_id),))

    async def adelete_for_runs(self, run_ids: Sequence[str]) -> None:
        if run_ids := [str(r) for r in run_ids]:
            await self._run(DELETE_FOR_RUNS_SQL, (run_ids,))

    async def acopy_thread(self, source_thread_id: str, target_thread_id: str) -> None:
        await self._run(COPY_THREAD_SQL, (str(source_thread_id), str(target_thread_id)))

    async def aprune(self, thread_ids: Sequence[str], *, strategy: str = "keep_latest") -> None:
        """keep_latest keeps each namespace's newest checkpoint and everything it needs to be restored
        (DeltaChannel histories included); delete removes the threads."""
        if thread_ids := check_prune_arguments(thread_ids, strategy):
            await self._run(PRUNE_SQL, (thread_ids, strategy))

    async def aget_config_at(self, thread_id: str, at: datetime, checkpoint_ns: str = "") -> RunnableConfig | None:
        """Time travel by time: the config of the checkpoint the thread was at, at `at` (None if none)."""
        rows = await self._run(CHECKPOINT_AT_SQL, (str(thread_id), at, checkpoint_ns))
        return _at_config(str(thread_id), checkpoint_ns, rows[0]["checkpoint_id"] if rows else None)

    # Sync methods, for other threads than the event loop's (as AsyncPostgresSaver allows).
    def _sync(self, coro, name: str):
        try:
            if asyncio.get_running_loop() is self.loop:
                coro.close()
                raise asyncio.InvalidStateError(
                    "Synchronous calls to AsyncAgentDbSaver are only allowed from a different thread. From the "
                    f"main thread, use the async interface (`await checkpointer.a{name}(...)`).")
        except RuntimeError:
            pass
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result()

    def get_tuple(self, config: RunnableConfig) -> CheckpointTuple | None:
        return self._sync(self.aget_tuple(config), "get_tuple")

    def list(self, config: RunnableConfig | None, *, filter: dict[str, Any] | None = None,
             before: RunnableConfig | None = None, limit: int | None = None) -> Iterator[CheckpointTuple]:
        async def collect():
            return [t async for t in self.alist(config, filter=filter, before=before, limit=limit)]
        yield from self._sync(collect(), "list")

    def put(self, config: RunnableConfig, checkpoint: Checkpoint, metadata: CheckpointMetadata,
            new_versions: ChannelVersions) -> RunnableConfig:
        return self._sync(self.aput(config, checkpoint, metadata, new_versions), "put")

    def put_writes(self, config: RunnableConfig, writes: Sequence[tuple[str, Any]], task_id: str,
                   task_path: str = "") -> None:
        self._sync(self.aput_writes(config, writes, task_id, task_path), "put_writes")

    def delete_thread(self, thread_id: str) -> None:
        self._sync(self.adelete_thread(thread_id), "delete_thread")

    def delete_for_runs(self, run_ids: Sequence[str]) -> None:
        self._sync(self.adelete_for_runs(run_ids), "delete_for_runs")

    def copy_thread(self, source_thread_id: str, target_thread_id: str) -> None:
        self._sync(self.acopy_thread(source_thread_id, target_thread_id), "copy_thread")

    def prune(self, thread_ids: Sequence[str], *, strategy: str = "keep_latest") -> None:
        self._sync(self.aprune(thread_ids, strategy=strategy), "prune")
