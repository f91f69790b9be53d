"""What AgentDbSaver and AsyncAgentDbSaver share: the SQL they run and the (de)serialization around it.

The serialization is langgraph-checkpoint-postgres' to the byte (same serde calls, same split): a
checkpoint's primitive channel values (None, str, int, float, bool) stay inline in its jsonb, every
other value (and a DeltaChannel's _DeltaSnapshot, marked `true` inline) is a blob per channel version,
written once; pending writes are serialized one by one, special channels (errors, interrupts, resume,
scheduled) at their negative WRITES_IDX_MAP index, replaced when written again. A PostgresSaver
database's rows can be copied into the langgraph schema as they are (docs/langgraph.md).

Writes go through the module's SQL functions (langgraph.put_checkpoint, put_writes, prune, ...): one
statement, one round trip, one transaction each. Reads are plain SELECTs on the module's tables, with
the thread's partition (its created_at) looked up in the same statement.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import (
    WRITES_IDX_MAP,
    BaseCheckpointSaver,
    ChannelVersions,
    Checkpoint,
    CheckpointMetadata,
    CheckpointTuple,
    get_checkpoint_id,
    get_serializable_checkpoint_metadata,
    writes_sort_key,
)
from langgraph.checkpoint.serde.types import TASKS, _DeltaSnapshot
from psycopg.types.json import Jsonb

MIGRATE_HINT = "dbctl migrate --module langgraph"
PRUNE_STRATEGIES = ("keep_latest", "delete")


class ModuleNotMigrated(RuntimeError):
    """The database lacks the langgraph module (or this role may not use it)."""


# setup() checks that the module is there and usable by this role: its write function exists and
# may be executed, its tables may be read.
CHECK_SQL = """
SELECT to_regprocedure('langgraph.put_checkpoint(text, text, text, text, jsonb, jsonb, timestamptz, text[], text[], text[], bytea[])') AS put,
       to_regclass('langgraph.store') AS store
"""
CHECK_RIGHTS_SQL = """
SELECT has_function_privilege('langgraph.put_checkpoint(text, text, text, text, jsonb, jsonb, timestamptz, text[], text[], text[], bytea[])', 'EXECUTE') AS execute,
       has_table_privilege('langgraph.checkpoints', 'SELECT') AS read
"""

# A checkpoint with its blobs and pending writes. {thread} is the thread's id as a parameter when the
# read is for one thread: every table of the statement then names it, so Citus routes the whole
# statement to that thread's shard (a correlation alone, bl.thread_id = c.thread_id, does not);
# without a thread (list(None, ...)) it is c.thread_id and the statement runs on every shard. The
# channel versions are expanded by a set-returning function in a subquery's target list, not in its
# FROM: Citus cannot plan a FROM function that reads the outer row on several shards.
# {blobs} reads the blobs of the checkpoint's channel versions:
#   * for one thread, each version by its primary key (a LATERAL lookup, LIMIT 1 so that it is not
#     flattened into a join): a checkpoint reads as many index entries as it has blob channels,
#     whatever the length of its thread (a join is planned from the thread's row count, and for a
#     long thread is a hash join reading every blob of the thread, for every checkpoint returned);
#   * across threads (list(None, ...)), the join: the statement runs on every shard of a cluster.
_BLOBS_BY_KEY = """
     CROSS JOIN LATERAL (
         SELECT bl.channel, bl.type, bl.blob FROM langgraph.checkpoint_blobs AS bl
         WHERE bl.thread_id = %(thread_id)s AND bl.thread_created_at = c.thread_created_at
           AND bl.checkpoint_ns = c.checkpoint_ns AND bl.channel = (v.kv).key AND bl.version = (v.kv).value
         LIMIT 1
     ) AS bl"""
_BLOBS_JOINED = """
     INNER JOIN langgraph.checkpoint_blobs AS bl
         ON bl.thread_id = c.thread_id AND bl.thread_created_at = c.thread_created_at
        AND bl.checkpoint_ns = c.checkpoint_ns AND bl.channel = (v.kv).key AND bl.version = (v.kv).value"""
_SELECT_TEMPLATE = """
SELECT
    c.thread_id,
    c.checkpoint,
    c.checkpoint_ns,
    c.checkpoint_id,
    c.parent_checkpoint_id,
    c.metadata,
    (SELECT array_agg(array[bl.channel::bytea, bl.type::bytea, bl.blob])
     FROM (SELECT jsonb_each_text(c.checkpoint -> 'channel_versions') AS kv) AS v{blobs}
    ) AS channel_values,
    (SELECT array_agg(array[cw.task_id::bytea, cw.channel::bytea, cw.type::bytea, cw.blob,
                            convert_to(cw.task_path, 'UTF8'), cw.idx::text::bytea])
     FROM langgraph.checkpoint_writes AS cw
     WHERE cw.thread_id = {thread} AND cw.thread_created_at = c.thread_created_at
       AND cw.checkpoint_ns = c.checkpoint_ns AND cw.checkpoint_id = c.checkpoint_id
    ) AS pending_writes
FROM langgraph.checkpoints AS c
"""
SELECT_THREAD_SQL = _SELECT_TEMPLATE.format(thread="%(thread_id)s", blobs=_BLOBS_BY_KEY)
SELECT_ALL_SQL = _SELECT_TEMPLATE.format(thread="c.thread_id", blobs=_BLOBS_JOINED)

# The thread's partition key (its created_at) looked up in the statement: the planner prunes to one
# partition at run time.
_IN_THREAD = ("c.thread_id = %(thread_id)s AND c.thread_created_at = "
              "(SELECT t.created_at FROM langgraph.threads AS t WHERE t.thread_id = %(thread_id)s)")

GET_LATEST_SQL = SELECT_THREAD_SQL + f"WHERE {_IN_THREAD} AND c.checkpoint_ns = %(checkpoint_ns)s ORDER BY c.checkpoint_id DESC LIMIT 1"
GET_ONE_SQL = SELECT_THREAD_SQL + f"WHERE {_IN_THREAD} AND c.checkpoint_ns = %(checkpoint_ns)s AND c.checkpoint_id = %(checkpoint_id)s"

SELECT_PENDING_SENDS_SQL = f"""
SELECT w.checkpoint_id, array_agg(array[w.type::bytea, w.blob] ORDER BY w.task_path, w.task_id, w.idx) AS sends
FROM langgraph.checkpoint_writes AS w
WHERE w.thread_id = %s
  AND w.thread_created_at = (SELECT t.created_at FROM langgraph.threads AS t WHERE t.thread_id = %s)
  AND w.checkpoint_id = ANY (%s) AND w.channel = '{TASKS}'
GROUP BY w.checkpoint_id
"""

# The arrays go as array literals the client writes (text_array, bytea_array, integer_array): psycopg
# adapts a Python list element by element in Python (some 20 us a list, and for a bytea[] in text
# format some 170 us for one 2 kB blob, escaped byte by byte): 8 lists were most of a graph step's
# client time. A literal is one string, cast by the server.
PUT_SQL = """
SELECT langgraph.put_checkpoint(%s, %s, %s, %s, %s, %s, %s, %s::text[], %s::text[], %s::text[], %s::bytea[])
"""
PUT_WRITES_SQL = """
SELECT langgraph.put_writes(%s, %s, %s, %s, %s, %s::integer[], %s::text[], %s::text[], %s::bytea[], %s)
"""


def _quoted(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def text_array(values: Sequence[str | None]) -> str:
    """A PostgreSQL text[] literal (elements double-quoted, backslashes and quotes escaped)."""
    return "{" + ",".join("NULL" if v is None else _quoted(v) for v in values) + "}"


def bytea_array(values: Sequence[bytes | None]) -> str:
    """A PostgreSQL bytea[] literal, each element in bytea's hex format."""
    return "{" + ",".join("NULL" if v is None else '"\\\\x' + v.hex() + '"' for v in values) + "}"


def integer_array(values: Sequence[int]) -> str:
    """A PostgreSQL integer[] literal."""
    return "{" + ",".join(str(int(v)) for v in values) + "}"
DELETE_THREAD_SQL = "SELECT langgraph.delete_thread(%s)"
DELETE_FOR_RUNS_SQL = "SELECT langgraph.delete_for_runs(%s::text[])"
COPY_THREAD_SQL = "SELECT langgraph.copy_thread(%s, %s)"
PRUNE_SQL = "SELECT langgraph.prune(%s::text[], %s)"
CHECKPOINT_AT_SQL = "SELECT h.checkpoint_id FROM langgraph.checkpoint_at(%s, %s, %s) AS h"


def check_prune_arguments(thread_ids: Sequence[str], strategy: str) -> list[str]:
    if isinstance(thread_ids, str):
        raise TypeError("thread_ids must be a sequence of thread IDs, not a str")
    if strategy not in PRUNE_STRATEGIES:
        raise ValueError(f"Unknown prune strategy: {strategy!r}")
    return [str(t) for t in thread_ids]


def not_migrated(detail: str) -> ModuleNotMigrated:
    return ModuleNotMigrated(
        f"agentdb's langgraph module {detail}: run `{MIGRATE_HINT}` (as the owner role) against this "
        "database; the schema is managed by dbctl, not by setup()")


def checked_setup(found: dict[str, Any], rights: dict[str, Any] | None) -> None:
    if found["put"] is None or found["store"] is None:
        raise not_migrated("is not migrated in this database")
    if rights is not None and not (rights["execute"] and rights["read"]):
        raise ModuleNotMigrated(
            "this role may not use agentdb's langgraph module: connect as the application role "
            "(agentdb_app by default), which may read its tables and execute its functions")


def _timestamp(ts: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(ts) if isinstance(ts, str) else None
    except ValueError:
        return None


class AgentDbSaverBase(BaseCheckpointSaver[str]):
    """Serialization and statement parameters shared by the sync and async savers."""

    # ----- put -----
    def _put_params(self, config: RunnableConfig, checkpoint: Checkpoint, metadata: CheckpointMetadata,
                    new_versions: ChannelVersions) -> tuple[tuple, RunnableConfig]:
        configurable = config["configurable"].copy()
        thread_id = configurable.pop("thread_id")
        checkpoint_ns = configurable.pop("checkpoint_ns", "") or ""
        parent_id = configurable.pop("checkpoint_id", None)
        copy = checkpoint.copy()
        copy["channel_values"] = copy["channel_values"].copy()
        blob_values = {}
        for k, v in checkpoint["channel_values"].items():
            if isinstance(v, _DeltaSnapshot):
                blob_values[k] = copy["channel_values"].pop(k)
                copy["channel_values"][k] = True
            elif v is None or isinstance(v, (str, int, float, bool)):
                pass
            else:
                blob_values[k] = copy["channel_values"].pop(k)
        channels, versions, types, blobs = [], [], [], []
        for k, ver in new_versions.items():
            if k not in blob_values:
                continue
            type_, blob = self.serde.dumps_typed(blob_values[k])
            channels.append(k)
            versions.append(cast(str, str(ver)))
            types.append(type_)
            blobs.append(blob)
        params = (str(thread_id), checkpoint_ns, checkpoint["id"], parent_id, Jsonb(copy),
                  Jsonb(get_serializable_checkpoint_metadata(config, metadata)), _timestamp(checkpoint.get("ts")),
                  text_array(channels), text_array(versions), text_array(types), bytea_array(blobs))
        next_config: RunnableConfig = {"configurable": {
            "thread_id": thread_id, "checkpoint_ns": checkpoint_ns, "checkpoint_id": checkpoint["id"]}}
        return params, next_config

    # ----- put_writes -----
    def _put_writes_params(self, config: RunnableConfig, writes: Sequence[tuple[str, Any]], task_id: str,
                           task_path: str) -> tuple:
        idx, channels, types, blobs = [], [], [], []
        for i, (channel, value) in enumerate(writes):
            type_, blob = self.serde.dumps_typed(value)
            idx.append(WRITES_IDX_MAP.get(channel, i))
            channels.append(channel)
            types.append(type_)
            blobs.append(blob)
        configurable = config["configurable"]
        return (str(configurable["thread_id"]), configurable.get("checkpoint_ns", "") or "",
                configurable["checkpoint_id"], task_id, task_path, integer_array(idx), text_array(channels),
                text_array(types), bytea_array(blobs), all(w[0] in WRITES_IDX_MAP for w in writes))

    # ----- reads -----
    @staticmethod
    def _get_params(config: RunnableConfig) -> tuple[str, tuple]:
        thread_id = str(config["configurable"]["thread_id"])
        checkpoint_ns = config["configurable"].get("checkpoint_ns", "") or ""
        params = {"thread_id": thread_id, "checkpoint_ns": checkpoint_ns}
        if checkpoint_id := get_checkpoint_id(config):
            return GET_ONE_SQL, {**params, "checkpoint_id": checkpoint_id}
        return GET_LATEST_SQL, params

    @staticmethod
    def _list_query(config: RunnableConfig | None, filter: dict[str, Any] | None, before: RunnableConfig | None,
                    limit: int | None) -> tuple[str, dict[str, Any]]:
        wheres, params = [], {}
        if config:
            wheres.append(_IN_THREAD)
            params["thread_id"] = str(config["configurable"]["thread_id"])
            checkpoint_ns = config["configurable"].get("checkpoint_ns")
            if checkpoint_ns is not None:
                wheres.append("c.checkpoint_ns = %(checkpoint_ns)s")
                params["checkpoint_ns"] = checkpoint_ns
            if checkpoint_id := get_checkpoint_id(config):
                wheres.append("c.checkpoint_id = %(checkpoint_id)s")
                params["checkpoint_id"] = checkpoint_id
        if filter:
            wheres.append("c.metadata @> %(filter)s")
            params["filter"] = Jsonb(filter)
        if before is not None:
            wheres.append("c.checkpoint_id < %(before)s")
            params["before"] = get_checkpoint_id(before)
        query = ((SELECT_THREAD_SQL if config else SELECT_ALL_SQL)
                 + ("WHERE " + " AND ".join(wheres) if wheres else "") + " ORDER BY c.checkpoint_id DESC")
        if limit is not None:
            query += " LIMIT %(limit)s"
            params["limit"] = int(limit)
        return query, params

    @staticmethod
    def _needs_sends(row: dict[str, Any]) -> bool:
        return row["checkpoint"].get("v", 1) < 4 and bool(row["parent_checkpoint_id"])

    def _sends_to_migrate(self, rows: list[dict[str, Any]]) -> dict[str, list[str]]:
        """The parents whose TASKS writes the rows of format v < 4 need, thread by thread (a list
        without a thread returns several threads' checkpoints; one statement per thread)."""
        parents: dict[str, list[str]] = {}
        for row in rows:
            if self._needs_sends(row):
                parents.setdefault(row["thread_id"], []).append(row["parent_checkpoint_id"])
        return parents

    def _migrate_pending_sends(self, pending_sends: list[tuple[bytes, bytes]], checkpoint: dict[str, Any],
                               channel_values: list[tuple[bytes, bytes, bytes]]) -> None:
        """Checkpoints of format v < 4 read their pending sends from the parent's TASKS writes."""
        if not pending_sends:
            return
        enc, blob = self.serde.dumps_typed([self.serde.loads_typed((c.decode(), b)) for c, b in pending_sends])
        channel_values.append((TASKS.encode(), enc.encode(), blob))
        checkpoint["channel_versions"][TASKS] = (
            max(checkpoint["channel_versions"].values()) if checkpoint["channel_versions"]
            else self.get_next_version(None, None))

    def _apply_sends(self, rows: list[dict[str, Any]], sends_rows: list[dict[str, Any]]) -> None:
        by_parent: dict[str, list[dict[str, Any]]] = {}
        for row in rows:
            if self._needs_sends(row):
                by_parent.setdefault(row["parent_checkpoint_id"], []).append(row)
        for sends in sends_rows:
            for row in by_parent.get(sends["checkpoint_id"], []):
                if row["channel_values"] is None:
                    row["channel_values"] = []
                self._migrate_pending_sends(sends["sends"], row["checkpoint"], row["channel_values"])

    def _load_blobs(self, blob_values: list[tuple[bytes, bytes, bytes]] | None) -> dict[str, Any]:
        if not blob_values:
            return {}
        return {k.decode(): self.serde.loads_typed((t.decode(), v)) for k, t, v in blob_values if t.decode() != "empty"}

    def _load_writes(self, writes: list | None) -> list[tuple[str, str, Any]]:
        return [
            (tid.decode(), channel.decode(), self.serde.loads_typed((t.decode(), v)))
            for tid, channel, t, v, _, _ in sorted(
                writes or [], key=lambda w: writes_sort_key(w[4].decode(), w[0].decode(), int(w[5])))
        ]

    def _load_tuple(self, row: dict[str, Any]) -> CheckpointTuple:
        parent = row["parent_checkpoint_id"]
        return CheckpointTuple(
            {"configurable": {"thread_id": row["thread_id"], "checkpoint_ns": row["checkpoint_ns"],
                              "checkpoint_id": row["checkpoint_id"]}},
            {**row["checkpoint"], "channel_values": {**(row["checkpoint"].get("channel_values") or {}),
                                                    **self._load_blobs(row["channel_values"])}},
            row["metadata"],
            {"configurable": {"thread_id": row["thread_id"], "checkpoint_ns": row["checkpoint_ns"],
                              "checkpoint_id": parent}} if parent else None,
            self._load_writes(row["pending_writes"]),
        )

    def get_next_version(self, current: str | None, channel: None) -> str:
        """PostgresSaver's versions: a zero-padded counter and a random fraction (same format)."""
        if current is None:
            current_v = 0
        elif isinstance(current, int):
            current_v = current
        else:
            current_v = int(current.split(".")[0])
        return f"{current_v + 1:032}.{random.random():016}"
