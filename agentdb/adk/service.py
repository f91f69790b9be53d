"""AgentDbSessionService: Google ADK's BaseSessionService on the films module's SQL functions.

Every method is one round trip on an async psycopg pool (one statement, or two pipelined; get_session of
the most recent N events makes a second when they were not appended in time order); the pool made
here runs its statements with generic plans, each planned once per connection (_configure):
  create_session  the user row (made on first use) and the session row, whose trigger puts app:/user:
                  keys into app_states / user_states; then its full state, in the same pipeline;
  get_session     the session's state and the events' event_data, all, the most recent N, or from a time
                  (the most recent N: the last N appended, in one small statement, unless they were not
                  appended in time order: then a second statement finds them);
  append_event    films.append_event() with the session's last sequence as p_expected_sequence, so a
                  stale writer gets SQLSTATE 40001 and ADK's StaleSessionError (a session object made
                  elsewhere, without the marker, is current when its last event is the last stored);
  list_sessions, delete_session (events, snapshots, transfers cascade), get_user_state.

How ADK's identifiers map onto films:
  * an ADK user id is films.users.username (1 to 100 characters); the row is created the first time
    the user creates a session, with a placeholder address in the reserved .invalid domain;
  * an ADK session id that is a UUID in canonical form (what ADK and this service generate) is the
    films.sessions id itself; any other id is kept in session_name and the row's id is a UUID v5 of
    (app, user, id), so such ids are scoped per app and user as in ADK;
  * the session's storage revision (ADK's stale-session marker) is films.sessions.last_sequence;
  * last_update_time is the newest event's ADK timestamp, or the session's creation time;
  * events.created_at is the event's timestamp, or its predecessor's time when it is dated earlier
    (films keeps time moving forward in a session; ADK does not);
  * get_session returns events in DatabaseSessionService's order: by timestamp to the microsecond,
    ties broken by event id (see _GET_RECENT for how the most recent N are found).
Each event is stored whole (event_data, as ADK's own service stores it) and its analytic columns are
filled from it (event_type, agent_name, tool_name, tool_input / output, tokens_used, error_message,
transfer_to_agent), so films' SQL analytics work on sessions written by ADK.
"""

from __future__ import annotations

import asyncio
import functools
import json
import math
import re
import uuid
from datetime import datetime, timezone
from types import TracebackType
from typing import Any, Awaitable, Callable

from google.adk.errors import StaleSessionError
from google.adk.errors.already_exists_error import AlreadyExistsError
from google.adk.errors.session_not_found_error import SessionNotFoundError
from google.adk.events.event import Event
from google.adk.platform import time as platform_time
from google.adk.platform import uuid as platform_uuid
from google.adk.sessions import _session_util
from google.adk.sessions.base_session_service import BaseSessionService, GetSessionConfig, ListSessionsResponse
from google.adk.sessions.session import Session
from google.adk.sessions.state import State
from psycopg import AsyncConnection, errors
from psycopg.pq import TransactionStatus
from psycopg_pool import AsyncConnectionPool
from pydantic import TypeAdapter
from pydantic_core import to_jsonable_python

# ADK's DatabaseSessionService raises StaleSessionError with this message.
STALE_SESSION_MESSAGE = (
    "The session has been modified in storage since it was loaded. "
    "Please reload the session before appending more events."
)
# The namespace of the UUIDs v5 that stand for session ids that are not UUIDs.
SESSION_ID_NAMESPACE = uuid.UUID("6f0c5f8e-6a43-4d6b-9c1e-2b1f0b5a7d11")
NAME_LENGTH = 100  # films' agent_name and tool_name columns
EVENTS = TypeAdapter(list[Event])

_USER = "SELECT u.id FROM films.users AS u WHERE u.username = %(user)s"
# The session s belongs to the user (written so that s is found by its primary key alone).
_OWNED = "(SELECT u.username FROM films.users AS u WHERE u.id = s.user_id) = %(user)s"
# The newest event's ADK timestamp: the session's last_update_time.
_LAST_EVENT_TIME = """(SELECT (e.event_data ->> 'timestamp')::float8 FROM films.events AS e
    WHERE e.session_id = s.id AND e.sequence_number = s.last_sequence AND e.created_at >= s.started_at)"""

# DatabaseSessionService's order of a session's events (get_session, and the stale check of a session
# object without a marker): by timestamp to the microsecond, rounded as Python's datetime rounds a float
# (half to even), then by event id in code point order. In SQL, of `e` read FROM _KEYED (event_data
# parsed once: json_to_record as k); in Python, _order().
_KEYED = """films.events AS e
    CROSS JOIN LATERAL json_to_record(e.event_data) AS k ("timestamp" float8, id text)"""
_AT = "(floor(k.timestamp) * 1000000 + round((k.timestamp - floor(k.timestamp)) * 1000000))::bigint"
_ID = 'k.id COLLATE "C"'

# The user row on first use, then the session; films' trigger on sessions splits app:/user:/temp: keys
# of the initial state into their scopes as ADK's create_session does (_STATE then reads them back).
# Concurrent first sessions of one user meet on username alone, the ON CONFLICT target: an email
# derived from the user id would be a second unique key, and a loser checked against it first failed
# with 23505 on users_email_key instead of taking the winner's row.
_CREATE = f"""
WITH found AS ({_USER}),
made AS (
    INSERT INTO films.users AS u (email, username, metadata)
    SELECT 'adk-' || gen_random_uuid() || '@users.invalid', %(user)s, '{{"source": "adk"}}'
    WHERE NOT EXISTS (SELECT FROM found)
    ON CONFLICT (username) DO UPDATE SET username = excluded.username  -- a concurrent first session
    RETURNING u.id
)
INSERT INTO films.sessions (id, app_name, user_id, session_name, state, started_at)
SELECT %(id)s, %(app)s, owner.id, %(name)s, %(state)s::jsonb, %(now)s
FROM (SELECT id FROM found UNION ALL SELECT id FROM made) AS owner
"""

_STATE = "SELECT films.full_state(s) FROM films.sessions AS s WHERE s.id = %(id)s"

# get_session reads events in the order appended and puts them into ADK's order once validated (where
# the key costs nothing; here it would cost a parse of every event_data), dropping those dated before
# after_timestamp and keeping the most recent N. What it reads is every event that can be in the answer:
# an event is never dated after its created_at, so none created before after_at can be.
_GET = f"""
SELECT s.last_sequence, s.started_at, films.full_state(s), {_LAST_EVENT_TIME},
       (SELECT json_agg(e.event_data ORDER BY e.sequence_number)::text FROM films.events AS e
        WHERE e.session_id = s.id AND e.created_at >= greatest(s.started_at, %(after_at)s))
FROM films.sessions AS s
WHERE s.id = %(id)s AND s.app_name = %(app)s AND {_OWNED}
"""

# With the most recent N asked for, the events that can be among them. created_at never decreases along
# a session's sequence and is never earlier than the event's own time, so the latest N are the last N
# appended, read through (session_id, sequence_number) with no event_data parsed, when those N and the
# one appended before them were created at distinct times: each of the N was then created strictly
# after its predecessor, so dated its created_at, later than the one before them and than any earlier
# event (those created before after_at, not read, are dated before it). That is what a Runner's events
# are, and the read is then one pass over the N + 1 rows.
# Otherwise (_RECENT_CHECKED) an event created strictly after its predecessor is dated its created_at
# (only the others' times are read), and unless the event appended just before the N was created at
# or after the earliest of their times (or after_at), they are the answer; only then (a one-time
# filter) are the events created since that time read and the N latest of them in ADK's order chosen
# here. Either way, any of them dated before after_timestamp come before all the others in that order,
# so get_session dropping them afterwards leaves the answer.
_RECENT_CHECKED = f"""(
        WITH tail AS MATERIALIZED (  -- the last N appended, and the one before them
            SELECT e.sequence_number, e.event_data, e.created_at,
                   lag(e.created_at) OVER (ORDER BY e.sequence_number) AS previous_created_at
            FROM films.events AS e
            WHERE e.session_id = s.id AND e.created_at >= greatest(s.started_at, %(after_at)s)
              AND e.sequence_number >= s.last_sequence - %(recent)s),
        earliest AS MATERIALIZED (  -- no event of the answer is dated before it
            SELECT greatest(min(CASE WHEN t.created_at > t.previous_created_at THEN t.created_at ELSE (
                       SELECT to_timestamp(0) + {_AT} * interval '1 microsecond'
                       FROM json_to_record(t.event_data) AS k ("timestamp" float8)) END), %(after_at)s) AS at
            FROM tail AS t WHERE t.sequence_number > s.last_sequence - %(recent)s),
        earlier AS MATERIALIZED (  -- can an event appended before them be among the latest?
            SELECT coalesce((SELECT t.created_at FROM tail AS t WHERE t.sequence_number = s.last_sequence - %(recent)s)
                            >= (SELECT w.at FROM earliest AS w), false) AS may)
        SELECT json_agg(c.event_data ORDER BY c.sequence_number)::text
        FROM (SELECT t.sequence_number, t.event_data FROM tail AS t
              WHERE NOT (SELECT x.may FROM earlier AS x) AND t.sequence_number > s.last_sequence - %(recent)s
              UNION ALL
              (SELECT e.sequence_number, e.event_data FROM {_KEYED}
               WHERE (SELECT x.may FROM earlier AS x)
                 AND e.session_id = s.id AND e.created_at >= (SELECT w.at FROM earliest AS w)
               ORDER BY {_AT} DESC, {_ID} DESC LIMIT %(recent)s)) AS c)"""

_GET_RECENT = f"""
SELECT s.last_sequence, s.started_at, films.full_state(s), {_LAST_EVENT_TIME},
       (SELECT CASE WHEN count(DISTINCT e.created_at) = count(*)  -- each created after the one before
                    THEN json_agg(e.event_data ORDER BY e.sequence_number)
                             FILTER (WHERE e.sequence_number > s.last_sequence - %(recent)s)::text
                    ELSE {_RECENT_CHECKED} END
        FROM films.events AS e
        WHERE e.session_id = s.id AND e.created_at >= greatest(s.started_at, %(after_at)s)
          AND e.sequence_number >= s.last_sequence - %(recent)s)
FROM films.sessions AS s
WHERE s.id = %(id)s AND s.app_name = %(app)s AND {_OWNED}
"""

# The most recent N when they are the last N appended (a Runner's events; see _GET_RECENT): one pass over
# the last N + 1 appended, read through (session_id, sequence_number) in that order, with no event_data
# parsed and no other read of films.events. `fast` says whether each of the N was created strictly after
# its predecessor (so the latest N are these; NULL: none has one); when it is false, get_session reads
# through _GET_RECENT. after_timestamp is applied by the client: those of the N dated before it come
# first in ADK's order, whatever is read. The newest event's time is the last of the N's own, so
# last_update_time needs no read of its own. A small plan: a generic plan initialises each node,
# and each read of films.events, one scan per partition, at every call, executed or not. The N + 1 are
# read as the first N + 1 in descending sequence order (a LIMIT), not as a range of sequence numbers: a
# generic plan cannot size the range, and where one session holds most of the rows (a small
# deployment) it scanned the whole partition instead of the index (2,000 events: 0.46 ms against 0.28).
_GET_TAIL = f"""
SELECT s.last_sequence, s.started_at, films.full_state(s), t.fast, t.events
FROM films.sessions AS s
CROSS JOIN LATERAL (
    SELECT bool_and(e.created_at > e.previous_created_at) FILTER (WHERE e.sequence_number > s.last_sequence - %(recent)s)
               AS fast,
           json_agg(e.event_data ORDER BY e.sequence_number)
               FILTER (WHERE e.sequence_number > s.last_sequence - %(recent)s)::text AS events
    FROM (SELECT e.sequence_number, e.event_data, e.created_at,
                 lag(e.created_at) OVER (ORDER BY e.sequence_number) AS previous_created_at
          FROM (SELECT e.sequence_number, e.event_data, e.created_at
                FROM films.events AS e
                WHERE e.session_id = s.id AND e.created_at >= s.started_at
                ORDER BY e.sequence_number DESC
                LIMIT %(recent)s + 1) AS e) AS e
) AS t
WHERE s.id = %(id)s AND s.app_name = %(app)s AND {_OWNED}
"""

_LIST = f"""
SELECT s.id, s.session_name, u.username, s.last_sequence, s.started_at, films.full_state(s), {_LAST_EVENT_TIME}
FROM films.sessions AS s
INNER JOIN films.users AS u ON u.id = s.user_id
WHERE s.app_name = %(app)s AND (%(user)s::text IS NULL OR u.username = %(user)s::text)
"""

# films.append_event on the session, found by its id and owned by the app and user; {expected} is the
# sequence the session object expects (_MARKED, _UNMARKED).
_APPEND = """
SELECT a.sequence_number
FROM films.sessions AS s
CROSS JOIN LATERAL films.append_event(
    s.id, %(event_type)s, %(event_data)s::json,
    p_state_delta => %(state_delta)s::jsonb, p_agent_name => %(agent_name)s,
    p_parent_agent_name => %(parent_agent_name)s, p_tool_name => %(tool_name)s,
    p_tool_input => %(tool_input)s::jsonb, p_tool_output => %(tool_output)s::jsonb,
    p_tokens_used => %(tokens_used)s, p_error_message => %(error_message)s,
    p_transfer_to_agent => %(transfer_to_agent)s,
    p_expected_sequence => {expected},
    -- films keeps time moving forward in a session; ADK does not ask it of event timestamps, so an
    -- event dated before the one it follows is stored at that one's time (event_data keeps its own).
    p_created_at => greatest(%(created_at)s, s.started_at, s.last_event_at)
) AS a
WHERE s.id = %(id)s AND s.app_name = %(app)s AND {owned}
"""
# A session object this service returned carries its storage revision (the marker): the sequence
# append_event expects. A statement of its own, so that its plan holds no read of films.events.
_APPEND_MARKED = _APPEND.format(expected="%(expected)s::integer", owned=_OWNED)
# A session object this service did not return has no marker: as ADK's DatabaseSessionService does, it
# is current when its last event is the stored event that comes last in get_session's order; if not, it
# expects a sequence no session reaches (the largest integer), which append_event refuses as stale.
# That event is dated last_event_at: the session's last created_at is the latest of its events' times
# (or its start, if they are all dated before it).
_APPEND_UNMARKED = _APPEND.format(owned=_OWNED, expected=f"""CASE
        WHEN (SELECT {_ID} FROM {_KEYED} WHERE e.session_id = s.id AND e.created_at >= s.last_event_at
              ORDER BY {_AT} DESC, {_ID} DESC LIMIT 1)
             IS NOT DISTINCT FROM %(last_event_id)s::text THEN s.last_sequence ELSE 2147483647 END""")

_DELETE = f"DELETE FROM films.sessions AS s WHERE s.id = %(id)s AND s.app_name = %(app)s AND {_OWNED}"

_USER_STATE = f"SELECT us.state FROM films.user_states AS us WHERE us.app_name = %(app)s AND us.user_id = ({_USER})"


@functools.lru_cache(maxsize=4096)
def row_id(app_name: str, user_id: str, session_id: str) -> uuid.UUID:
    """The films.sessions id of an ADK session id (see the module docstring)."""
    try:
        parsed = uuid.UUID(session_id)
    except ValueError:
        parsed = None
    if parsed is not None and str(parsed) == session_id:
        return parsed
    return uuid.uuid5(SESSION_ID_NAMESPACE, json.dumps([app_name, user_id, session_id]))


def _adk_id(films_id: uuid.UUID, session_name: str | None, app_name: str, user_id: str) -> str:
    if session_name is not None and row_id(app_name, user_id, session_name) == films_id:
        return session_name
    return str(films_id)


def _when(timestamp: float) -> datetime:
    return datetime.fromtimestamp(timestamp, timezone.utc)


def _microseconds(timestamp: float) -> int:
    """An ADK timestamp to the microsecond as datetime.fromtimestamp rounds it (half to even), which is
    what DatabaseSessionService stores; _AT in SQL computes the same."""
    seconds = math.floor(timestamp)
    return seconds * 1_000_000 + round((timestamp - seconds) * 1_000_000)


def _order(event: Event) -> tuple[int, str]:
    """DatabaseSessionService's order of events: time to the microsecond, then id (code point order)."""
    return _microseconds(event.timestamp), event.id


def _in_order(events: list[Event]) -> bool:
    """Whether events are in _order already: each dated more than 2 microseconds after the one before
    (so its time to the microsecond is later), as a Runner's are. Cheaper than sorting by the key."""
    times = [e.timestamp for e in events]
    return all(later - earlier > 2e-6 for earlier, later in zip(times, times[1:]))


def _json(value: Any) -> str | None:
    return None if value is None else json.dumps(to_jsonable_python(value))


def _name(value: str | None) -> str | None:
    return value[:NAME_LENGTH] if value else None


def _durable_delta(event: Event) -> dict[str, Any]:
    """The event's state delta without temp: keys: what is stored."""
    return {k: v for k, v in event.actions.state_delta.items() if not k.startswith(State.TEMP_PREFIX)}


def event_input(event: Event) -> dict[str, Any]:
    """The films.event_input fields of an ADK event, except event_data (the event itself):
    its type, agent, tool, tokens, error and transfer, for films' analytics."""
    calls = event.get_function_calls()
    responses = event.get_function_responses()
    actions = event.actions
    if event.error_code or event.error_message:
        kind = "error"
    elif actions.transfer_to_agent:
        kind = "agent_transfer"
    elif calls:
        kind = "tool_call"
    elif responses:
        kind = "tool_response"
    elif event.author == "user":
        kind = "user_message"
    elif event.content is None and actions.state_delta:
        kind = "state_update"
    else:
        kind = "agent_response"
    branch = (event.branch or "").split(".")
    usage = event.usage_metadata
    delta = _durable_delta(event)
    return {
        "event_type": kind,
        # A value JSON cannot encode (a function) is stored as its string form, as ADK's
        # DatabaseSessionService stores it (make_json_safe_state), and the event is kept.
        "state_delta": json.dumps(_session_util.make_json_safe_state(delta)) if delta else None,
        "agent_name": _name(event.author),
        "parent_agent_name": _name(branch[-2]) if len(branch) > 1 and branch[-1] == event.author else None,
        "tool_name": _name(calls[0].name if calls else responses[0].name if responses else None),
        "tool_input": _json(calls[0].args) if calls else None,
        "tool_output": _json(responses[0].response) if responses else None,
        "tokens_used": usage.total_token_count if usage else None,
        "error_message": " ".join(filter(None, (event.error_code, event.error_message))) or None,
        "transfer_to_agent": _name(actions.transfer_to_agent),
        "created_at": _when(event.timestamp),
    }


def stored_event(event: Event) -> str:
    """The event as films stores it (event_data): ADK's JSON form without temp: state keys."""
    kept = _durable_delta(event)
    if len(kept) != len(event.actions.state_delta):
        event = event.model_copy(update={"actions": event.actions.model_copy(update={"state_delta": kept})})
    return event.model_dump_json(exclude_none=True)


def _session(session_id, app_name, user_id, state, sequence, started_at, last_event_time, events=()) -> Session:
    session = Session(id=session_id, app_name=app_name, user_id=user_id, state=state, events=list(events),
                      last_update_time=started_at.timestamp() if last_event_time is None else last_event_time)
    session._storage_update_marker = str(sequence)
    return session


def _configure(then: Callable[[AsyncConnection], Awaitable[None]] | None):
    """The session setting of the pool's connections (then the application's configure, if any).

    Generic plans: every statement here finds its rows by values known only when it runs (a session's
    id, its last sequence) in films.events, partitioned by time, so a custom plan prunes nothing that
    the generic plan's run-time pruning does not, yet is planned again on every call over all the
    partitions, which costs more than running it (the read of a turn's 100 events: about 0.7 ms to plan
    against 0.5 ms to run). The films functions these statements call get generic plans too."""
    async def configure(conn: AsyncConnection) -> None:
        await conn.execute("SET plan_cache_mode = force_generic_plan")
        if then is not None:
            await then(conn)
    return configure


class AgentDbSessionService(BaseSessionService):
    """ADK sessions in agentdb's films module: construct it with a DSN (or an existing psycopg
    AsyncConnectionPool) where an application constructs DatabaseSessionService."""

    def __init__(self, dsn: str | None = None, *, pool: AsyncConnectionPool | None = None, **pool_kwargs: Any):
        """dsn: a PostgreSQL URL or conninfo, or the SQLAlchemy URL an application gave
        DatabaseSessionService (postgresql+asyncpg://...: the driver part is dropped); the pool is made
        here and closed by close(). pool: an AsyncConnectionPool of the application's (left open by
        close()), used as it is: its connections plan the statements afresh at each call unless they run
        with plan_cache_mode = force_generic_plan, as this service's own pool does (the read of a turn
        then costs about 0.7 ms more). pool_kwargs go to AsyncConnectionPool (min_size, max_size,
        configure, ...)."""
        if (dsn is None) == (pool is None):
            raise ValueError("Exactly one of 'dsn' or 'pool' must be provided.")
        if dsn is not None:
            dsn = re.sub(r"^postgres(ql)?\+\w+://", "postgresql://", dsn)
        self._owns_pool = pool is None
        if pool is None:
            pool_kwargs.setdefault("min_size", 1)
            pool_kwargs.setdefault("max_size", 10)
            pool_kwargs["configure"] = _configure(pool_kwargs.get("configure"))
            self._make_pool = lambda: AsyncConnectionPool(dsn, open=False, kwargs={"autocommit": True}, **pool_kwargs)
            pool = self._make_pool()
        self.pool = pool
        self._opened = not self._owns_pool
        self._open_lock = asyncio.Lock()

    async def _open(self) -> None:
        """Opens the pool this service made, at first use, and waits for its first connection: a
        request that found none ready would make the pool grow by one, and the calls of one client
        would then take turns between two connections (and their two server processes). A pool that
        gets no connection within its timeout is closed by psycopg_pool, and cannot be opened again:
        the call fails with its PoolTimeout, and the next one starts from a new pool."""
        async with self._open_lock:
            if self._opened:
                return
            try:
                await self.pool.open(wait=True, timeout=self.pool.timeout)
            except BaseException:
                await self.pool.close()
                self.pool = self._make_pool()
                raise
            self._opened = True

    async def _execute(self, query: str, params: dict[str, Any],
                       then: tuple[str, dict[str, Any]] | None = None) -> list[tuple]:
        """Runs the statement (and `then`, pipelined behind it: still one round trip); returns the
        rows of the last. Pipelined statements are never prepared: when the first fails, the server
        skips the second's Parse, yet psycopg 3.3 records it as prepared, and every later call of it
        on that connection then fails with "prepared statement _pg3_N does not exist" (26000).
        The connection is taken from the pool and given back without pool.connection()'s context
        managers, which cost more than the rest of a one-row append's client work; as they do, a
        transaction left open (a pool of the application's without autocommit) is committed, or
        rolled back on an error."""
        if not self._opened:
            await self._open()
        conn = await self.pool.getconn()
        try:
            if then is None:
                # The connection's own cursor, kept on it: a new one at every call (Connection.execute)
                # costs about a quarter of the client's CPU of a statement.
                cursor = getattr(conn, "_agentdb_cursor", None)
                if cursor is None or cursor.closed:
                    cursor = conn.cursor()
                    conn._agentdb_cursor = cursor
                await cursor.execute(query, params)
            else:
                async with conn.pipeline():
                    await conn.execute(query, params, prepare=False)
                    cursor = await conn.execute(*then, prepare=False)
            rows = await cursor.fetchall() if cursor.description else []
            if conn.pgconn.transaction_status != TransactionStatus.IDLE:
                await conn.commit()
            return rows
        except BaseException:
            if conn.pgconn.transaction_status in (TransactionStatus.INTRANS, TransactionStatus.INERROR):
                try:
                    await conn.rollback()
                except Exception:  # a broken connection: putconn discards it
                    pass
            raise
        finally:
            await self.pool.putconn(conn)

    async def create_session(self, *, app_name: str, user_id: str, state: dict[str, Any] | None = None,
                             session_id: str | None = None) -> Session:
        session_id = session_id if session_id is not None else platform_uuid.new_uuid()
        films_id = row_id(app_name, user_id, session_id)
        now = _when(platform_time.get_time())
        params = {"id": films_id, "app": app_name, "user": user_id, "now": now,
                  "name": None if str(films_id) == session_id else session_id,
                  "state": json.dumps(_session_util.make_json_safe_state(state or {}))}
        try:
            rows = await self._execute(_CREATE, params, then=(_STATE, params))
        except errors.UniqueViolation as error:
            if error.diag.constraint_name != "sessions_pkey":
                raise
            raise AlreadyExistsError(f"Session with id {session_id} already exists.") from None
        return _session(session_id, app_name, user_id, rows[0][0], 0, now, None)

    async def get_session(self, *, app_name: str, user_id: str, session_id: str,
                          config: GetSessionConfig | None = None) -> Session | None:
        config = config or GetSessionConfig()
        recent = config.num_recent_events
        after = config.after_timestamp or None  # DatabaseSessionService ignores 0 as it ignores None
        params = {"id": row_id(app_name, user_id, session_id), "app": app_name, "user": user_id, "recent": recent,
                  "after_at": None if after is None else _when(after)}
        rows = None
        if recent is not None and recent > 0:  # the last N appended, unless _GET_TAIL finds otherwise
            rows = await self._execute(_GET_TAIL, params)
            if not rows:
                return None
            sequence, started_at, state, fast, events = rows[0]
            if fast is False:
                rows = None
            else:
                events = EVENTS.validate_json(events) if events else []
                last_event_time = events[-1].timestamp if events else None  # the last appended
        if rows is None:
            rows = await self._execute(_GET if recent is None else _GET_RECENT, params)
            if not rows:
                return None
            sequence, started_at, state, last_event_time, events = rows[0]
            events = EVENTS.validate_json(events) if events else []
        # What was read, in the order appended, holds the answer: now ADK's order and filters, exactly.
        if after is not None:
            after = _microseconds(after)
            events = [e for e in events if _microseconds(e.timestamp) >= after]
        if not _in_order(events):
            events.sort(key=_order)
        if recent is not None:
            events = events[max(len(events) - recent, 0):]
        return _session(session_id, app_name, user_id, state, sequence, started_at, last_event_time, events)

    async def list_sessions(self, *, app_name: str, user_id: str | None = None) -> ListSessionsResponse:
        rows = await self._execute(_LIST, {"app": app_name, "user": user_id})
        sessions = [_session(_adk_id(films_id, name, app_name, user), app_name, user, state, sequence, started_at,
                             last_event_time)
                    for films_id, name, user, sequence, started_at, state, last_event_time in rows]
        sessions.sort(key=lambda s: (s.last_update_time, s.user_id, s.id))
        return ListSessionsResponse(sessions=sessions)

    async def delete_session(self, *, app_name: str, user_id: str, session_id: str) -> None:
        await self._execute(_DELETE, {"id": row_id(app_name, user_id, session_id), "app": app_name,
                                      "user": user_id})

    async def get_user_state(self, *, app_name: str, user_id: str) -> dict[str, Any]:
        rows = await self._execute(_USER_STATE, {"app": app_name, "user": user_id})
        return rows[0][0] if rows else {}

    async def append_event(self, session: Session, event: Event) -> Event:
        if event.partial:
            return event
        marker = session._storage_update_marker
        params = {**event_input(event), "event_data": stored_event(event),
                  "id": row_id(session.app_name, session.user_id, session.id), "app": session.app_name,
                  "user": session.user_id}
        if marker is None:
            params["last_event_id"] = session.events[-1].id if session.events else None
        else:
            params["expected"] = int(marker)
        try:
            rows = await self._execute(_APPEND_UNMARKED if marker is None else _APPEND_MARKED, params)
        except errors.SerializationFailure:
            raise StaleSessionError(STALE_SESSION_MESSAGE) from None
        except errors.ForeignKeyViolation:  # deleted between the lookup and the append
            rows = []
        if not rows:
            raise SessionNotFoundError(f"Session {session.id} not found.")
        # Stored: now the session object follows, as ADK's services update it.
        self._apply_temp_state(session, event)
        event = self._trim_temp_delta_state(event)
        session.last_update_time = event.timestamp
        session._storage_update_marker = str(rows[0][0])
        return self._commit_event_to_session(session, event)

    async def close(self) -> None:
        """Closes the pool this service made (an application's own pool stays open); safe to repeat."""
        if self._owns_pool and self._opened:
            await self.pool.close()

    async def __aenter__(self) -> AgentDbSessionService:
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc_val: BaseException | None,
                        exc_tb: TracebackType | None) -> None:
        await self.close()
