"""agentdb.adk.AgentDbSessionService against ADK's contract, case by case. Where ADK's own services
are the reference, each case runs against InMemorySessionService, DatabaseSessionService (on the same
server, a database of its own) and agentdb, so any difference shows. Needs google-adk (the `adk`
extra, which `make test` installs); skipped only when it is not installed."""

import asyncio
import copy
import json
import math
import re
import subprocess
import sys
import time
import uuid
from datetime import datetime, timezone

import psycopg
import pytest

pytest.importorskip("google.adk.sessions", reason="google-adk is not installed (pip install -e '.[adk]')")

from google.adk.agents.base_agent import BaseAgent  # noqa: E402
from google.adk.errors import StaleSessionError  # noqa: E402
from google.adk.errors.already_exists_error import AlreadyExistsError  # noqa: E402
from google.adk.errors.session_not_found_error import SessionNotFoundError  # noqa: E402
from google.adk.events.event import Event  # noqa: E402
from google.adk.events.event_actions import EventActions  # noqa: E402
from google.adk.runners import Runner  # noqa: E402
from google.adk.sessions import DatabaseSessionService, InMemorySessionService  # noqa: E402
from google.adk.sessions.base_session_service import GetSessionConfig  # noqa: E402
from google.adk.sessions.session import Session  # noqa: E402
from google.genai import types  # noqa: E402

from agentdb import migrate  # noqa: E402
from agentdb.adk import AgentDbSessionService  # noqa: E402
from agentdb.connection import connect  # noqa: E402
from agentdb.project import Project  # noqa: E402
from bench.adk_service import sqlalchemy_url  # noqa: E402
from conftest import ROOT  # noqa: E402

ALL = ["memory", "database", "agentdb"]
PERSISTENT = ["database", "agentdb"]


@pytest.fixture(scope="module")
def databases(admin_dsn):
    """One database with core + films for agentdb, one empty for ADK's DatabaseSessionService."""
    names = {kind: f"agentdb_pytest_adk_{kind}_{uuid.uuid4().hex[:8]}" for kind in PERSISTENT}
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        for name in names.values():
            conn.execute(f'CREATE DATABASE "{name}"')
    dsns = {kind: psycopg.conninfo.make_conninfo(admin_dsn, dbname=name) for kind, name in names.items()}
    with connect(dsns["agentdb"]) as conn:
        migrate.migrate(Project(ROOT), conn, ("core", "films"), echo=lambda _: None)
    yield dsns
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        for name in names.values():
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def make_service(kind: str, dsns: dict):
    if kind == "memory":
        return InMemorySessionService()
    if kind == "database":
        return DatabaseSessionService(db_url=sqlalchemy_url(dsns["database"]))
    # The application's role: what a deployed service connects as.
    return AgentDbSessionService(psycopg.conninfo.make_conninfo(dsns["agentdb"], options="-c role=agentdb_app"))


def run(kind, dsns, body):
    """Runs body(service, app_name) in a fresh event loop with a fresh service and app name."""
    async def main():
        service = make_service(kind, dsns)
        try:
            return await body(service, f"app-{uuid.uuid4().hex[:8]}")
        finally:
            if kind != "memory":
                await service.close()
    return asyncio.run(main())


async def read_texts(service, session, **config) -> list[str]:
    """The text of each event get_session returns for the session (with this GetSessionConfig), in order."""
    read = await service.get_session(app_name=session.app_name, user_id=session.user_id, session_id=session.id,
                                     config=GetSessionConfig(**config) if config else None)
    return [e.content.parts[0].text for e in read.events]


def films_query(dsns, sql, params=None):
    with psycopg.connect(dsns["agentdb"], autocommit=True) as conn:
        return conn.execute(sql, params).fetchall()


def event(author="agent", text=None, delta=None, timestamp=None, **fields):
    extra = {"timestamp": timestamp} if timestamp is not None else {}
    return Event(invocation_id="inv-1", author=author,
                 content=types.Content(role="model" if author != "user" else "user",
                                       parts=[types.Part(text=text or f"from {author}")]),
                 actions=EventActions(state_delta=delta or {}), **extra, **fields)


def rich_event(timestamp: float) -> Event:
    """An event with every kind of field ADK stores."""
    return Event(
        id=str(uuid.uuid4()), invocation_id="inv-rich", author="screenwriter", branch="director.screenwriter",
        timestamp=timestamp,
        content=types.Content(role="model", parts=[
            types.Part(text="Act 1: the epidemic"),
            types.Part(function_call=types.FunctionCall(id="call-1", name="wikipedia",
                                                        args={"query": "Zhang Zhongjing", "limit": 3})),
            types.Part(function_response=types.FunctionResponse(id="call-1", name="wikipedia",
                                                                response={"result": ["physician", "Han"]})),
            types.Part(inline_data=types.Blob(mime_type="image/png", data=b"\x89PNG\x00\xff")),
        ]),
        actions=EventActions(
            state_delta={"PLOT_OUTLINE": "act 1", "user:tone": "noir", "app:house_style": {"font": "serif"},
                         "nested": {"list": [1, 2.5, None, "x"], "flag": True}},
            artifact_delta={"outline.md": 2}, transfer_to_agent="critic", escalate=False, skip_summarization=True,
            requested_auth_configs={},
        ),
        long_running_tool_ids={"call-1", "call-0"},
        grounding_metadata=types.GroundingMetadata(web_search_queries=["Zhang Zhongjing"]),
        usage_metadata=types.GenerateContentResponseUsageMetadata(prompt_token_count=120, candidates_token_count=80,
                                                                  total_token_count=200),
        custom_metadata={"scene": 7, "tags": ["draft"]},
        partial=False, turn_complete=True, error_code=None, finish_reason=types.FinishReason.STOP,
    )


# -- create, get, state scopes ----------------------------------------------------------------------


@pytest.mark.parametrize("kind", ALL)
def test_create_and_get_return_equal_sessions_with_scopes_split(kind, databases):
    async def body(service, app):
        created = await service.create_session(
            app_name=app, user_id="alice",
            state={"topic": "plague", "app:house_style": "noir", "user:tone": "dry", "temp:scratch": 1})
        uuid.UUID(created.id)  # a generated id is a UUID
        assert created.state == {"topic": "plague", "app:house_style": "noir", "user:tone": "dry"}
        assert created.events == []
        read = await service.get_session(app_name=app, user_id="alice", session_id=created.id)
        assert read == created  # pydantic equality, private attributes included
        assert await service.get_user_state(app_name=app, user_id="alice") == {"tone": "dry"}
    run(kind, databases, body)


@pytest.mark.parametrize("kind", ALL)
def test_state_scopes_across_sessions_and_users(kind, databases):
    async def body(service, app):
        a1 = await service.create_session(app_name=app, user_id="alice", session_id="a1")
        a2 = await service.create_session(app_name=app, user_id="alice", session_id="a2")
        b1 = await service.create_session(app_name=app, user_id="bob", session_id="b1")
        await service.append_event(a1, event(delta={"draft": 1, "user:tone": "dry", "app:genre": "epic"}))
        await service.append_event(b1, event(delta={"user:tone": "warm"}))
        got = {s.id: (await service.get_session(app_name=app, user_id=s.user_id, session_id=s.id)).state
               for s in (a1, a2, b1)}
        assert got == {"a1": {"draft": 1, "user:tone": "dry", "app:genre": "epic"},
                       "a2": {"user:tone": "dry", "app:genre": "epic"},
                       "b1": {"user:tone": "warm", "app:genre": "epic"}}
        assert await service.get_user_state(app_name=app, user_id="alice") == {"tone": "dry"}
        assert await service.get_user_state(app_name=app, user_id="bob") == {"tone": "warm"}
        assert await service.get_user_state(app_name=app, user_id="nobody") == {}
        assert await service.get_user_state(app_name=app + "-other", user_id="alice") == {}
        # the same session id under another user is another session
        other = await service.create_session(app_name=app, user_id="bob", session_id="a1")
        assert other.state == {"user:tone": "warm", "app:genre": "epic"}
    run(kind, databases, body)


@pytest.mark.parametrize("kind", ALL)
def test_duplicate_id_is_refused_and_unknown_session_is_none(kind, databases):
    async def body(service, app):
        await service.create_session(app_name=app, user_id="alice", session_id="s1", state={"x": 1})
        with pytest.raises(AlreadyExistsError, match="Session with id s1 already exists."):
            await service.create_session(app_name=app, user_id="alice", session_id="s1", state={"x": 2})
        kept = await service.get_session(app_name=app, user_id="alice", session_id="s1")
        assert kept.state == {"x": 1}
        assert await service.get_session(app_name=app, user_id="alice", session_id="missing") is None
        assert await service.get_session(app_name=app, user_id="bob", session_id="s1") is None
        assert await service.get_session(app_name=app + "-other", user_id="alice", session_id="s1") is None
    run(kind, databases, body)


@pytest.mark.parametrize("kind", PERSISTENT)
def test_concurrent_creates_of_one_id_make_exactly_one(kind, databases):
    """Twenty rounds of six concurrent creates, each round a new user whose row is made concurrently
    too. agentdb used to lose about one round in seven: two first sessions of a user could both
    pass the check on username and then collide on a second unique key (an email derived from the
    user id), 23505 instead of the winner's row."""
    async def body(service, app):
        for _ in range(20):
            user = f"new-{uuid.uuid4().hex[:8]}"
            results = await asyncio.gather(
                *(service.create_session(app_name=app, user_id=user, session_id="same", state={"n": n})
                  for n in range(6)), return_exceptions=True)
            made = [r for r in results if not isinstance(r, Exception)]
            assert len(made) == 1, results
            assert all(isinstance(r, AlreadyExistsError) for r in results if r not in made), results
            stored = await service.get_session(app_name=app, user_id=user, session_id="same")
            assert stored.state == made[0].state
    run(kind, databases, body)


def test_a_refused_create_leaves_the_connection_usable(databases):
    """One pooled connection: after create_session is refused often enough for psycopg to prepare
    its statements (5 times), the next creates still work. The two statements of a create share a
    pipeline; psycopg 3.3 recorded the second as prepared although the server had skipped its Parse
    after the first failed, and every later create on that connection failed with 26000."""
    async def main():
        dsn = psycopg.conninfo.make_conninfo(databases["agentdb"], options="-c role=agentdb_app")
        service = AgentDbSessionService(dsn, min_size=1, max_size=1)
        try:
            app = f"app-{uuid.uuid4().hex[:8]}"
            await service.create_session(app_name=app, user_id="alice", session_id="taken")
            for _ in range(6):
                with pytest.raises(AlreadyExistsError):
                    await service.create_session(app_name=app, user_id="alice", session_id="taken")
            for n in range(6):
                made = await service.create_session(app_name=app, user_id="alice", session_id=f"new-{n}",
                                                    state={"n": n})
                assert made.state == {"n": n}
        finally:
            await service.close()
    asyncio.run(main())


# -- append_event ---------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ALL)
def test_append_updates_the_session_object_and_storage_alike(kind, databases):
    async def body(service, app):
        session = await service.create_session(app_name=app, user_id="alice", state={"k": "v"})
        first = event(author="user", text="hello")
        returned = await service.append_event(session, first)
        assert returned is first
        await service.append_event(session, event(delta={"k": "w", "step": 1, "temp:scratch": "t"}))
        await service.append_event(session, event(delta={"step": 2, "app:seen": True, "user:lang": "de"}))
        assert session.state["temp:scratch"] == "t"  # temp: lives in the object for the invocation
        # the last event's time (DatabaseSessionService rounds it to the microsecond)
        assert session.last_update_time == pytest.approx(session.events[-1].timestamp, abs=1e-6)
        read = await service.get_session(app_name=app, user_id="alice", session_id=session.id)
        assert "temp:scratch" not in read.state
        assert all("temp:scratch" not in e.actions.state_delta for e in read.events)
        del session.state["temp:scratch"]
        assert read == session
        assert read.state == {"k": "w", "step": 2, "app:seen": True, "user:lang": "de"}
        assert [e.timestamp for e in read.events] == sorted(e.timestamp for e in read.events)
        # the most recent events come with the same state (its three scopes) and last_update_time
        recent = await service.get_session(app_name=app, user_id="alice", session_id=session.id,
                                           config=GetSessionConfig(num_recent_events=2))
        assert (recent.state, recent.last_update_time, recent.events) == (read.state, read.last_update_time,
                                                                          read.events[-2:])
    run(kind, databases, body)


@pytest.mark.parametrize("kind", ALL)
def test_a_null_in_a_delta_keeps_the_key(kind, databases):
    async def body(service, app):
        session = await service.create_session(app_name=app, user_id="alice", state={"k": "v", "user:u": 1})
        await service.append_event(session, event(delta={"k": None, "user:u": None}))
        assert session.state == {"k": None, "user:u": None}
        read = await service.get_session(app_name=app, user_id="alice", session_id=session.id)
        assert read == session
        assert await service.get_user_state(app_name=app, user_id="alice") == {"u": None}
    run(kind, databases, body)


@pytest.mark.parametrize("kind", ALL)
def test_events_dated_out_of_order_or_before_the_session_are_kept(kind, databases):
    """Kept, and read back as each service orders them: DatabaseSessionService (and agentdb) by time,
    so the most recent N are the N latest in time; InMemorySessionService in the order appended."""
    async def body(service, app):
        session = await service.create_session(app_name=app, user_id="alice")
        t = session.last_update_time
        sent = [event(text="late", timestamp=t + 10), event(text="early", timestamp=t + 5),
                event(text="before the session", timestamp=t - 3600), event(text="next", timestamp=t + 6)]
        for e in sent:
            await service.append_event(session, e.model_copy(deep=True))
        read = await service.get_session(app_name=app, user_id="alice", session_id=session.id)
        in_order = sent if kind == "memory" else sorted(sent, key=lambda e: e.timestamp)
        assert read.events == in_order
        return {n: await read_texts(service, session, num_recent_events=n) for n in (1, 2, 3)}
    recent = run(kind, databases, body)
    if kind == "memory":
        assert recent == {1: ["next"], 2: ["before the session", "next"], 3: ["early", "before the session", "next"]}
    else:
        assert recent == {1: ["late"], 2: ["next", "late"], 3: ["early", "next", "late"]}


@pytest.mark.parametrize("kind", ALL)
def test_events_of_one_timestamp_are_ordered_by_id(kind, databases):
    """DatabaseSessionService orders events by time, ties broken by id, so a tie reads back in one order
    and num_recent_events cuts it at one place; InMemorySessionService keeps the order appended."""
    async def body(service, app):
        session = await service.create_session(app_name=app, user_id="alice")
        t = session.last_update_time + 1
        for name, timestamp in (("m", t), ("z", t + 1), ("a", t + 1), ("y", t + 1), ("b", t + 2)):
            await service.append_event(session, event(text=name, timestamp=timestamp, id=name))
        return {**{n: await read_texts(service, session, num_recent_events=n) for n in (None, 1, 2, 3, 4)},
                "after": await read_texts(service, session, after_timestamp=t + 1),
                "after, 2": await read_texts(service, session, after_timestamp=t + 1, num_recent_events=2)}
    got = run(kind, databases, body)
    if kind == "memory":
        assert got == {None: ["m", "z", "a", "y", "b"], 1: ["b"], 2: ["y", "b"], 3: ["a", "y", "b"],
                       4: ["z", "a", "y", "b"], "after": ["z", "a", "y", "b"], "after, 2": ["y", "b"]}
    else:
        assert got == {None: ["m", "a", "y", "z", "b"], 1: ["b"], 2: ["z", "b"], 3: ["y", "z", "b"],
                       4: ["a", "y", "z", "b"], "after": ["a", "y", "z", "b"], "after, 2": ["z", "b"]}


@pytest.mark.parametrize("kind", ALL)
def test_times_are_compared_to_the_microsecond(kind, databases):
    """DatabaseSessionService keeps an event's time to the microsecond (Python's datetime rounding) for
    ordering and for after_timestamp: two times within one microsecond are a tie, broken by id, and an
    after_timestamp inside that microsecond takes both. InMemorySessionService compares the floats."""
    base = float(math.floor(time.time()) + 2)
    later = math.nextafter(math.nextafter(base, math.inf), math.inf)  # 0.48 µs after base
    between = math.nextafter(base, math.inf)
    assert len({datetime.fromtimestamp(x, timezone.utc) for x in (base, between, later)}) == 1

    async def body(service, app):
        session = await service.create_session(app_name=app, user_id="alice")
        await service.append_event(session, event(text="z", timestamp=base, id="z"))
        await service.append_event(session, event(text="a", timestamp=later, id="a"))
        read = await service.get_session(app_name=app, user_id="alice", session_id=session.id)
        assert [e.timestamp for e in read.events] == ([base, later] if kind == "memory" else [later, base])
        return (await read_texts(service, session), await read_texts(service, session, after_timestamp=between),
                await read_texts(service, session, num_recent_events=1))
    expected = {"memory": (["z", "a"], ["a"], ["a"])}.get(kind, (["a", "z"], ["a", "z"], ["z"]))
    assert run(kind, databases, body) == expected


@pytest.mark.parametrize("kind", ALL)
def test_num_recent_events_and_after_timestamp_of_events_dated_out_of_order(kind, databases):
    """The most recent N are the N latest in time (DatabaseSessionService), wherever they were appended,
    and after_timestamp takes every event dated from then on. InMemorySessionService takes the last N
    appended, then those after the last one appended that is dated before after_timestamp."""
    async def body(service, app):
        session = await service.create_session(app_name=app, user_id="alice")
        t = session.last_update_time
        for name, offset in (("e1", 1), ("e2", 2), ("e3", 3), ("late", 1.5), ("e4", 4), ("e5", 5)):
            await service.append_event(session, event(text=name, timestamp=t + offset))
        cases = [{}, {"num_recent_events": 2}, {"num_recent_events": 3}, {"num_recent_events": 5},
                 {"after_timestamp": t + 1.5}, {"after_timestamp": t + 1.5, "num_recent_events": 4},
                 {"after_timestamp": t + 2, "num_recent_events": 10},
                 {"after_timestamp": t + 2.5, "num_recent_events": 3},
                 {"after_timestamp": t + 1.2, "num_recent_events": 10}]
        return [await read_texts(service, session, **case) for case in cases]
    if kind == "memory":
        expected = [["e1", "e2", "e3", "late", "e4", "e5"], ["e4", "e5"], ["late", "e4", "e5"],
                    ["e2", "e3", "late", "e4", "e5"], ["e2", "e3", "late", "e4", "e5"], ["e3", "late", "e4", "e5"],
                    ["e4", "e5"], ["e4", "e5"], ["e2", "e3", "late", "e4", "e5"]]
    else:
        expected = [["e1", "late", "e2", "e3", "e4", "e5"], ["e4", "e5"], ["e3", "e4", "e5"],
                    ["late", "e2", "e3", "e4", "e5"], ["late", "e2", "e3", "e4", "e5"], ["e2", "e3", "e4", "e5"],
                    ["e2", "e3", "e4", "e5"], ["e3", "e4", "e5"], ["late", "e2", "e3", "e4", "e5"]]
    assert run(kind, databases, body) == expected


@pytest.mark.parametrize("kind", ALL)
def test_partial_events_are_not_stored(kind, databases):
    async def body(service, app):
        session = await service.create_session(app_name=app, user_id="alice")
        partial = event(text="stream", delta={"x": 1}, partial=True)
        assert await service.append_event(session, partial) is partial
        assert session.events == [] and session.state == {}
        read = await service.get_session(app_name=app, user_id="alice", session_id=session.id)
        assert read.events == [] and read.state == {}
    run(kind, databases, body)


@pytest.mark.parametrize("kind", ALL)
def test_append_to_a_session_never_created_or_deleted(kind, databases):
    async def body(service, app):
        session = await service.create_session(app_name=app, user_id="alice", session_id="gone")
        ghost = session.model_copy(update={"id": "never-created"})
        with pytest.raises(SessionNotFoundError):
            await service.append_event(ghost, event())
        await service.delete_session(app_name=app, user_id="alice", session_id="gone")
        with pytest.raises(SessionNotFoundError):
            await service.append_event(session, event())
    run(kind, databases, body)


@pytest.mark.parametrize("kind", PERSISTENT)
def test_stale_session_is_refused_and_nothing_changes(kind, databases):
    async def body(service, app):
        session = await service.create_session(app_name=app, user_id="alice", state={"v": 0})
        stale = await service.get_session(app_name=app, user_id="alice", session_id=session.id)
        await service.append_event(session, event(delta={"v": 1}))
        before = copy.deepcopy(stale)
        with pytest.raises(StaleSessionError, match="modified in storage"):
            await service.append_event(stale, event(delta={"v": 2}))
        assert stale == before
        read = await service.get_session(app_name=app, user_id="alice", session_id=session.id)
        assert read == session and read.state == {"v": 1}
    run(kind, databases, body)


@pytest.mark.parametrize("kind", PERSISTENT)
def test_a_session_object_made_elsewhere_is_checked_by_its_last_event(kind, databases):
    async def body(service, app):
        session = await service.create_session(app_name=app, user_id="alice")
        fresh = Session(id=session.id, app_name=app, user_id="alice")  # no storage marker
        await service.append_event(fresh, event(delta={"n": 1}, timestamp=session.last_update_time + 1))
        rebuilt = Session(id=session.id, app_name=app, user_id="alice", events=list(fresh.events))
        await service.append_event(rebuilt, event(delta={"n": 2}, timestamp=session.last_update_time + 2))
        behind = Session(id=session.id, app_name=app, user_id="alice", events=fresh.events[:1])
        with pytest.raises(StaleSessionError, match="modified in storage"):
            await service.append_event(behind, event(delta={"n": 3}, timestamp=session.last_update_time + 3))
        with pytest.raises(StaleSessionError, match="modified in storage"):
            await service.append_event(Session(id=session.id, app_name=app, user_id="alice"), event())
        read = await service.get_session(app_name=app, user_id="alice", session_id=session.id)
        assert read.state == {"n": 2} and len(read.events) == 2
    run(kind, databases, body)


@pytest.mark.parametrize("kind", PERSISTENT)
def test_a_session_object_made_elsewhere_is_checked_by_its_latest_event_in_time(kind, databases):
    """The last event of a session object without a marker is compared with the stored event that comes
    last in get_session's order (DatabaseSessionService: latest time, then id), not the last appended:
    a session rebuilt from a read is current, one holding the events in the order appended is not."""
    async def body(service, app):
        session = await service.create_session(app_name=app, user_id="alice")
        t = session.last_update_time
        await service.append_event(session, event(text="late", timestamp=t + 2, id="late"))
        await service.append_event(session, event(text="early", timestamp=t + 1, id="early"))
        read = await service.get_session(app_name=app, user_id="alice", session_id=session.id)
        assert [e.id for e in read.events] == ["early", "late"]
        as_appended = Session(id=session.id, app_name=app, user_id="alice", events=list(reversed(read.events)))
        with pytest.raises(StaleSessionError, match="modified in storage"):
            await service.append_event(as_appended, event(text="refused", timestamp=t + 3))
        rebuilt = Session(id=session.id, app_name=app, user_id="alice", events=list(read.events))
        await service.append_event(rebuilt, event(text="accepted", timestamp=t + 3))
        assert await read_texts(service, session) == ["early", "late", "accepted"]
    run(kind, databases, body)


@pytest.mark.parametrize("kind", PERSISTENT)
def test_two_writers_of_one_revision_exactly_one_wins(kind, databases):
    async def body(service, app):
        session = await service.create_session(app_name=app, user_id="alice")
        copies = [await service.get_session(app_name=app, user_id="alice", session_id=session.id) for _ in range(2)]
        results = await asyncio.gather(*(service.append_event(c, event(delta={"writer": n}))
                                         for n, c in enumerate(copies)), return_exceptions=True)
        assert sorted(type(r).__name__ for r in results) == ["Event", "StaleSessionError"]
        winner = next(n for n, r in enumerate(results) if isinstance(r, Event))
        read = await service.get_session(app_name=app, user_id="alice", session_id=session.id)
        assert read == copies[winner] and read.state == {"writer": winner} and len(read.events) == 1
    run(kind, databases, body)


def test_two_writers_blocked_on_the_session_row_exactly_one_wins(databases):
    """Both appends are waiting on the session row (held by a third connection) when it is released."""
    async def body(service, app):
        session = await service.create_session(app_name=app, user_id="alice")
        copies = [await service.get_session(app_name=app, user_id="alice", session_id=session.id) for _ in range(2)]
        async with await psycopg.AsyncConnection.connect(databases["agentdb"]) as holder:
            await holder.execute("SELECT FROM films.sessions WHERE id = %s FOR UPDATE", (uuid.UUID(session.id),))
            tasks = [asyncio.create_task(service.append_event(c, event(delta={"writer": n})))
                     for n, c in enumerate(copies)]
            async with await psycopg.AsyncConnection.connect(databases["agentdb"], autocommit=True) as watcher:
                for _ in range(3000):  # until both wait on the lock (at most 30 s)
                    waiting, = await (await watcher.execute(
                        "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                        "AND query LIKE %s", ("%films.append_event%",))).fetchone()
                    if waiting == 2:
                        break
                    await asyncio.sleep(0.01)
                assert waiting == 2
            await holder.rollback()
            results = await asyncio.gather(*tasks, return_exceptions=True)
        assert sorted(type(r).__name__ for r in results) == ["Event", "StaleSessionError"]
        read = await service.get_session(app_name=app, user_id="alice", session_id=session.id)
        assert len(read.events) == 1
    run("agentdb", databases, body)


def unencodable():
    """A state value JSON cannot encode (a function, as an agent may put in its state)."""


@pytest.mark.parametrize("kind", ALL)
def test_a_state_value_json_cannot_encode_is_stored_as_its_string(kind, databases):
    """DatabaseSessionService stores such a value as its string form (ADK's make_json_safe_state) in the
    initial state, in each scope of an event's delta and in the stored event, and keeps the event; the
    session object in hand keeps the value itself. InMemorySessionService stores the value itself."""
    async def body(service, app):
        session = await service.create_session(app_name=app, user_id="alice", state={
            "f": unencodable, "user:g": unencodable, "app:h": unencodable, "n": 1})
        created = dict(session.state)
        await service.append_event(session, event(delta={
            "later": unencodable, "user:u": [unencodable], "app:a": {"f": unencodable}, "temp:t": unencodable,
            "k": 2}))
        assert session.state["later"] is unencodable and session.state["temp:t"] is unencodable
        read = await service.get_session(app_name=app, user_id="alice", session_id=session.id)
        return created, read.state, read.events[0].actions.state_delta, await service.get_user_state(
            app_name=app, user_id="alice")
    created, state, delta, user_state = run(kind, databases, body)
    value = unencodable if kind == "memory" else str(unencodable)
    assert created == {"f": value, "user:g": value, "app:h": value, "n": 1}
    assert delta == {"later": value, "user:u": [value], "app:a": {"f": value}, "k": 2}
    assert state == {"f": value, "user:g": value, "app:h": value, "n": 1, "later": value, "user:u": [value],
                     "app:a": {"f": value}, "k": 2}
    assert user_state == {"g": value, "u": [value]}


# -- reading: filters, listing, deleting ------------------------------------------------------------


@pytest.mark.parametrize("kind", ALL)
def test_num_recent_events_and_after_timestamp(kind, databases):
    async def body(service, app):
        session = await service.create_session(app_name=app, user_id="alice")
        base = session.last_update_time + 1
        for n in range(6):
            await service.append_event(session, event(text=f"e{n}", timestamp=base + n * 0.25))

        async def texts(**config):
            got = await service.get_session(app_name=app, user_id="alice", session_id=session.id,
                                            config=GetSessionConfig(**config))
            assert got.state == session.state and got.last_update_time == session.last_update_time
            return [e.content.parts[0].text for e in got.events]
        assert await texts() == [f"e{n}" for n in range(6)]
        assert await texts(num_recent_events=0) == []
        assert await texts(num_recent_events=2) == ["e4", "e5"]
        assert await texts(num_recent_events=100) == [f"e{n}" for n in range(6)]
        assert await texts(after_timestamp=base + 0.5) == ["e2", "e3", "e4", "e5"]  # inclusive
        assert await texts(after_timestamp=base + 0.5 + 1e-5) == ["e3", "e4", "e5"]
        assert await texts(after_timestamp=base + 0.5, num_recent_events=3) == ["e3", "e4", "e5"]
        assert await texts(after_timestamp=base + 10) == []
    run(kind, databases, body)


@pytest.mark.parametrize("kind", ALL)
def test_list_sessions_with_and_without_user(kind, databases):
    async def body(service, app):
        assert (await service.list_sessions(app_name=app)).sessions == []
        s1 = await service.create_session(app_name=app, user_id="alice", session_id="s1", state={"app:a": 1})
        s2 = await service.create_session(app_name=app, user_id="bob", session_id="s2", state={"user:b": 2})
        s3 = await service.create_session(app_name=app, user_id="alice", session_id="s3")
        await service.append_event(s1, event(delta={"mine": True}))  # s1 is now the most recent
        listed = (await service.list_sessions(app_name=app)).sessions
        assert [s.id for s in listed] == ["s2", "s3", "s1"]
        assert all(s.events == [] for s in listed)
        assert {s.id: s.state for s in listed} == {"s1": {"app:a": 1, "mine": True}, "s2": {"app:a": 1, "user:b": 2},
                                                   "s3": {"app:a": 1}}
        assert {s.id: s.last_update_time for s in listed} == {
            s.id: s.last_update_time for s in (s1, s2, s3)}
        alice = (await service.list_sessions(app_name=app, user_id="alice")).sessions
        assert [(s.id, s.user_id) for s in alice] == [("s3", "alice"), ("s1", "alice")]
        assert (await service.list_sessions(app_name=app, user_id="nobody")).sessions == []
    run(kind, databases, body)


@pytest.mark.parametrize("kind", ALL)
def test_delete_session(kind, databases):
    async def body(service, app):
        keep = await service.create_session(app_name=app, user_id="alice", session_id="keep")
        gone = await service.create_session(app_name=app, user_id="alice", session_id="gone",
                                            state={"user:u": 1})
        await service.append_event(gone, event(delta={"x": 1}))
        await service.delete_session(app_name=app, user_id="alice", session_id="gone")
        await service.delete_session(app_name=app, user_id="alice", session_id="never")  # no error
        assert await service.get_session(app_name=app, user_id="alice", session_id="gone") is None
        assert [s.id for s in (await service.list_sessions(app_name=app)).sessions] == [keep.id]
        assert await service.get_user_state(app_name=app, user_id="alice") == {"u": 1}  # user state stays
    run(kind, databases, body)


def test_delete_takes_events_snapshots_and_transfers(databases):
    async def body(service, app):
        session = await service.create_session(app_name=app, user_id="alice")
        await service.append_event(session, rich_event(session.last_update_time + 1))
        films_id = uuid.UUID(session.id)
        counts = """SELECT (SELECT count(*) FROM films.events WHERE session_id = %(s)s),
                           (SELECT count(*) FROM films.state_snapshots WHERE session_id = %(s)s),
                           (SELECT count(*) FROM films.agent_transfers WHERE session_id = %(s)s)"""
        assert films_query(databases, counts, {"s": films_id}) == [(1, 1, 1)]
        await service.delete_session(app_name=app, user_id="alice", session_id=session.id)
        assert films_query(databases, counts, {"s": films_id}) == [(0, 0, 0)]
    run("agentdb", databases, body)


# -- fidelity and the films columns -----------------------------------------------------------------


@pytest.mark.parametrize("kind", ALL)
def test_rich_event_round_trip(kind, databases):
    async def body(service, app):
        session = await service.create_session(app_name=app, user_id="alice")
        sent = [rich_event(session.last_update_time + 1),
                Event(invocation_id="inv-rich", author="critic", timestamp=session.last_update_time + 2,
                      error_code="SAFETY", error_message="blocked", interrupted=True, turn_complete=False,
                      actions=EventActions(escalate=True, transfer_to_agent=None))]
        originals = [e.model_copy(deep=True) for e in sent]
        for e in sent:
            await service.append_event(session, e)
        read = await service.get_session(app_name=app, user_id="alice", session_id=session.id)
        assert read.events == originals
        assert read.events[0].content.parts[3].inline_data.data == b"\x89PNG\x00\xff"
        assert read == session
    run(kind, databases, body)


@pytest.mark.filterwarnings("ignore:This method is deprecated:DeprecationWarning")  # inside ADK's AuthConfig
def test_auth_requests_read_back_as_database_session_service_reads_them(databases):
    """ADK's JSON form of an AuthConfig redacts secrets and keeps the scheme as a generic one, so no
    stored event equals the one sent; agentdb returns exactly what DatabaseSessionService returns."""
    from fastapi.openapi.models import OAuth2, OAuthFlowAuthorizationCode, OAuthFlows
    from google.adk.auth.auth_credential import AuthCredential, AuthCredentialTypes, OAuth2Auth
    from google.adk.auth.auth_tool import AuthConfig

    config = AuthConfig(
        auth_scheme=OAuth2(flows=OAuthFlows(authorizationCode=OAuthFlowAuthorizationCode(
            authorizationUrl="https://auth.example/authorize", tokenUrl="https://auth.example/token",
            scopes={"calendar": "read"}))),
        raw_auth_credential=AuthCredential(auth_type=AuthCredentialTypes.OAUTH2,
                                           oauth2=OAuth2Auth(client_id="films", client_secret="secret")))

    async def body(service, app):
        session = await service.create_session(app_name=app, user_id="alice")
        sent = Event(id="auth-1", invocation_id="i", author="scheduler", timestamp=session.last_update_time + 1,
                     actions=EventActions(requested_auth_configs={"call-1": config}))
        await service.append_event(session, sent)
        read = await service.get_session(app_name=app, user_id="alice", session_id=session.id)
        return read.events[0].model_dump(mode="json", exclude={"timestamp"})
    theirs, ours = (run(kind, databases, body) for kind in PERSISTENT)
    assert ours == theirs
    assert ours["actions"]["requested_auth_configs"]["call-1"]["auth_scheme"]["flows"]["authorizationCode"][
        "tokenUrl"] == "https://auth.example/token"


def test_events_fill_the_films_analytic_columns(databases):
    async def body(service, app):
        session = await service.create_session(app_name=app, user_id="alice")
        t = session.last_update_time + 1
        call = Event(invocation_id="i", author="researcher", timestamp=t + 1, content=types.Content(
            role="model", parts=[types.Part(function_call=types.FunctionCall(name="search", args={"q": "han"}))]))
        reply = Event(invocation_id="i", author="researcher", timestamp=t + 2, content=types.Content(
            role="user", parts=[types.Part(function_response=types.FunctionResponse(name="search",
                                                                                    response={"hits": 3}))]))
        failed = Event(invocation_id="i", author="critic", timestamp=t + 4, error_code="SAFETY",
                       error_message="blocked")
        only_state = Event(invocation_id="i", author="critic", timestamp=t + 5,
                           actions=EventActions(state_delta={"temp:x": 1, "done": True}))
        for e in (event(author="user", timestamp=t), call, reply, rich_event(t + 3), failed, only_state):
            await service.append_event(session, e)
        rows = films_query(databases, """
            SELECT event_type, agent_name, parent_agent_name, tool_name, tool_input, tool_output, tokens_used,
                   error_message, state_delta, created_at = to_timestamp((event_data ->> 'timestamp')::float8)
            FROM films.events WHERE session_id = %s ORDER BY sequence_number""", (uuid.UUID(session.id),))
        assert rows == [
            ("user_message", "user", None, None, None, None, None, None, None, True),
            ("tool_call", "researcher", None, "search", {"q": "han"}, None, None, None, None, True),
            ("tool_response", "researcher", None, "search", None, {"hits": 3}, None, None, None, True),
            ("agent_transfer", "screenwriter", "director", "wikipedia",
             {"query": "Zhang Zhongjing", "limit": 3}, {"result": ["physician", "Han"]}, 200, None,
             {"PLOT_OUTLINE": "act 1", "user:tone": "noir", "app:house_style": {"font": "serif"},
              "nested": {"list": [1, 2.5, None, "x"], "flag": True}}, True),
            ("error", "critic", None, None, None, None, None, "SAFETY blocked", None, True),
            ("state_update", "critic", None, None, None, None, None, None, {"done": True}, True),
        ]
        assert films_query(databases, """
            SELECT s.total_events, s.total_tool_calls, s.total_tokens_used, u.username,
                   (SELECT array_agg(ARRAY[from_agent, to_agent]) FROM films.agent_transfers t
                    WHERE t.session_id = s.id)
            FROM films.sessions s JOIN films.users u ON u.id = s.user_id WHERE s.id = %s""",
                           (uuid.UUID(session.id),)) == [(6, 1, 200, "alice", [["screenwriter", "critic"]])]
        assert films_query(databases, "SELECT count(*) FROM films.agent_workflow(%s)",
                           (uuid.UUID(session.id),)) == [(1,)]
    run("agentdb", databases, body)


def test_session_ids_that_are_not_uuids_are_kept_per_user(databases):
    async def body(service, app):
        for user in ("alice", "bob"):
            await service.create_session(app_name=app, user_id=user, session_id="chat 1", state={"who": user})
        rows = films_query(databases, """SELECT s.session_name, s.state ->> 'who' FROM films.sessions s
                                         WHERE s.app_name = %s ORDER BY 2""", (app,))
        assert rows == [("chat 1", "alice"), ("chat 1", "bob")]
        listed = (await service.list_sessions(app_name=app)).sessions
        assert sorted((s.id, s.user_id, s.state["who"]) for s in listed) == [
            ("chat 1", "alice", "alice"), ("chat 1", "bob", "bob")]
    run("agentdb", databases, body)


# -- a real Runner turn -----------------------------------------------------------------------------


class Director(BaseAgent):
    """A tiny agent without a model: answers, records the turn in state, hands over to the critic."""

    async def _run_async_impl(self, ctx):
        asked = ctx.session.events[-1].content.parts[0].text
        yield Event(invocation_id=ctx.invocation_id, author=self.name, branch=ctx.branch,
                    content=types.Content(role="model", parts=[types.Part(text=f"Scene for: {asked}")]),
                    actions=EventActions(state_delta={"turns": ctx.session.state.get("turns", 0) + 1,
                                                      "user:last_prompt": asked, "temp:draft": "x"}))
        yield Event(invocation_id=ctx.invocation_id, author=self.name, branch=ctx.branch,
                    actions=EventActions(state_delta={"app:scenes": 1}))


@pytest.mark.parametrize("kind", ALL)
def test_runner_turn(kind, databases):
    async def body(service, app):
        runner = Runner(app_name=app, agent=Director(name="director"), session_service=service)
        session = await service.create_session(app_name=app, user_id="alice", state={"turns": 0})
        for prompt in ("open on the epidemic", "cut to the court"):
            message = types.Content(role="user", parts=[types.Part(text=prompt)])
            async for _ in runner.run_async(user_id="alice", session_id=session.id, new_message=message):
                pass
        read = await service.get_session(app_name=app, user_id="alice", session_id=session.id)
        assert read.state == {"turns": 2, "user:last_prompt": "cut to the court", "app:scenes": 1}
        assert [(e.author, e.content.parts[0].text if e.content else None) for e in read.events] == [
            ("user", "open on the epidemic"), ("director", "Scene for: open on the epidemic"), ("director", None),
            ("user", "cut to the court"), ("director", "Scene for: cut to the court"), ("director", None)]
        assert read.last_update_time == pytest.approx(read.events[-1].timestamp, abs=1e-6)
        if kind == "agentdb":
            assert films_query(databases, """SELECT array_agg(event_type ORDER BY sequence_number), max(total_events)
                                             FROM films.events e JOIN films.sessions s ON s.id = e.session_id
                                             WHERE s.id = %s""", (uuid.UUID(session.id),)) == [(
                ["user_message", "agent_response", "state_update"] * 2, 6)]
    run(kind, databases, body)


# -- the service object -----------------------------------------------------------------------------


def test_context_manager_and_double_close(databases):
    async def body():
        dsn = databases["agentdb"]
        async with AgentDbSessionService(dsn) as service:
            await service.create_session(app_name="ctx", user_id="alice")
        await service.close()
        async with AgentDbSessionService(sqlalchemy_url(dsn)) as service:  # DatabaseSessionService's URL
            assert (await service.get_session(app_name="ctx", user_id="alice", session_id="none")) is None
        idle = AgentDbSessionService(dsn)  # never opened
        await idle.close()
        await idle.close()
        with pytest.raises(ValueError, match="Exactly one"):
            AgentDbSessionService()
    asyncio.run(body())


def test_an_application_pool_is_left_open(databases):
    from psycopg_pool import AsyncConnectionPool

    async def body():
        async with AsyncConnectionPool(databases["agentdb"], min_size=1, open=False) as pool:
            async with AgentDbSessionService(pool=pool) as service:
                session = await service.create_session(app_name="pool", user_id="alice", session_id="p")
                await service.append_event(session, event(timestamp=session.last_update_time + 1))
            assert not pool.closed
            async with pool.connection() as conn:
                assert (await (await conn.execute(
                    "SELECT total_events FROM films.sessions WHERE session_name = 'p'")).fetchone()) == (1,)
    asyncio.run(body())


def test_event_data_is_adk_json(databases):
    """What films stores for an event is ADK's own JSON form of it (as DatabaseSessionService stores it)."""
    async def body(service, app):
        session = await service.create_session(app_name=app, user_id="alice")
        sent = rich_event(session.last_update_time + 1)
        expected = json.loads(sent.model_dump_json(exclude_none=True))
        await service.append_event(session, sent)
        assert films_query(databases, "SELECT event_data FROM films.events WHERE session_id = %s",
                           (uuid.UUID(session.id),)) == [(expected,)]
    run("agentdb", databases, body)


def test_the_base_install_does_not_import_google_adk():
    code = "import sys, agentdb, dbctl, agentdb.migrate; assert 'google.adk' not in sys.modules, 'imported'"
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)


def test_statements_are_planned_once_on_the_services_connections(databases):
    """The service's statements find their rows by values known only when they run (a session's id, its
    last sequence): its connections plan each once (generic plans), not again at every call."""
    seen = []

    async def configure(conn):  # the application's own configure still runs
        seen.append(conn)

    async def body():
        async with AgentDbSessionService(databases["agentdb"], max_size=1, configure=configure) as service:
            session = await service.create_session(app_name="plans", user_id="alice")
            for n in range(8):
                await service.append_event(session, event(timestamp=session.last_update_time + 1))
                await service.get_session(app_name="plans", user_id="alice", session_id=session.id,
                                          config=GetSessionConfig(num_recent_events=3))
                await service.get_session(app_name="plans", user_id="alice", session_id=session.id)
            async with service.pool.connection() as conn:
                plans = await (await conn.execute(
                    "SELECT generic_plans, custom_plans, statement FROM pg_prepared_statements")).fetchall()
        assert len(seen) == 1
        return plans

    plans = asyncio.run(body())
    assert len(plans) == 3, plans  # append_event, get_session (recent) and get_session (whole), prepared
    assert [(generic >= 1, custom) for generic, custom, _ in plans] == [(True, 0)] * 3, plans


def test_one_client_keeps_to_one_connection(databases):
    """Calls made one after the other, from the first on, run on one connection of the service's pool
    (one server process, its plans and caches warm), not in turn on two."""
    async def body():
        async with AgentDbSessionService(databases["agentdb"]) as service:
            session = await service.create_session(app_name="one", user_id="alice")
            for n in range(3):
                await service.append_event(session, event(timestamp=session.last_update_time + 1))
                await service.get_session(app_name="one", user_id="alice", session_id=session.id,
                                          config=GetSessionConfig(num_recent_events=2))
            return service.pool.get_stats()
    stats = asyncio.run(body())
    assert (stats["connections_num"], stats.get("requests_queued", 0)) == (1, 0), stats


def test_a_database_missing_at_first_use_is_used_once_there(admin_dsn):
    """The first call fails with the pool's timeout while the database cannot be reached; a later call,
    once it can be, is served (the service's pool is not left closed)."""
    from psycopg_pool import PoolTimeout

    name = f"agentdb_pytest_adk_late_{uuid.uuid4().hex[:8]}"
    dsn = psycopg.conninfo.make_conninfo(admin_dsn, dbname=name)

    async def body():
        async with AgentDbSessionService(dsn, timeout=1) as service:
            with pytest.raises(PoolTimeout):
                await service.get_session(app_name="late", user_id="alice", session_id="s")
            with psycopg.connect(admin_dsn, autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{name}"')
            with connect(dsn) as conn:
                migrate.migrate(Project(ROOT), conn, ("core", "films"), echo=lambda _: None)
            session = await service.create_session(app_name="late", user_id="alice")
            assert (await service.get_session(app_name="late", user_id="alice", session_id=session.id)) == session
    try:
        asyncio.run(body())
    finally:
        with psycopg.connect(admin_dsn, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_text_outside_ascii_round_trips_whatever_the_client_encoding(databases):
    """Events' text is stored and read back as sent, over a connection in UTF-8 or in another encoding."""
    async def body(dsn, text):
        async with AgentDbSessionService(dsn) as service:
            session = await service.create_session(app_name="text", user_id="alice")
            sent = event(text=text, timestamp=session.last_update_time + 1)
            await service.append_event(session, sent)
            read = await service.get_session(app_name="text", user_id="alice", session_id=session.id)
            assert [e.content.parts[0].text for e in read.events] == [text]
            assert read.events == [sent]
    dsn = databases["agentdb"]
    asyncio.run(body(dsn, "Zhang Zhongjing, 张仲景 — café 🎬"))
    asyncio.run(body(psycopg.conninfo.make_conninfo(dsn, client_encoding="LATIN1"), "café crème, señor"))


def _plan_nodes(node: dict):
    yield node
    for child in node.get("Plans", ()):
        yield from _plan_nodes(child)


def test_a_turns_read_of_the_recent_events_is_an_index_range_in_its_generic_plan(databases):
    """The plans the service's connections keep for get_session's most recent N events (generic, planned
    once), on a session of 3,000 events among others. The turn's read (_GET_TAIL) reads the last N + 1
    of them through (session_id, sequence_number) and nothing else of films.events; so does the read
    that runs only when they are not the latest N (_GET_RECENT), with the newest once more for
    last_update_time."""
    from agentdb.adk import service as adk_service

    types = {"id": "uuid", "app": "text", "user": "text", "recent": "integer", "after_at": "timestamptz"}
    statements = {"tail": adk_service._GET_TAIL, "recent": adk_service._GET_RECENT}
    volume = """SELECT films.append_events(s.id, array_agg(ROW(
        'agent_response', json_build_object('id', gen_random_uuid(), 'invocation_id', 'inv', 'author', 'agent',
                                            'timestamp', extract(epoch FROM t.at), 'actions', '{}'::json),
        NULL, 'agent', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, t.at)::films.event_input ORDER BY g))
    FROM films.sessions AS s, generate_series(1, %(n)s) AS g,
         LATERAL (SELECT s.started_at + g * interval '10 milliseconds' AS at) AS t
    WHERE s.id = %(id)s GROUP BY s.id"""

    async def body():
        out = {}
        async with AgentDbSessionService(databases["agentdb"], max_size=1) as service:
            sessions = [await service.create_session(app_name="volume", user_id="alice") for _ in range(21)]
            async with service.pool.connection() as conn:
                for n, session in enumerate(sessions):
                    await conn.execute(volume, {"id": uuid.UUID(session.id), "n": 3000 if n == 0 else 100})
                await conn.execute("ANALYZE films.events")
                values = {"id": uuid.UUID(sessions[0].id), "app": "volume", "user": "alice", "recent": 100,
                          "after_at": None}
                for name, statement in statements.items():
                    names = list(dict.fromkeys(re.findall(r"%\((\w+)\)s", statement)))
                    prepared = re.sub(r"%\((\w+)\)s", lambda m: f"${names.index(m.group(1)) + 1}", statement)
                    await conn.execute(f"PREPARE {name} ({', '.join(types[n] for n in names)}) AS {prepared}")
                    cursor = psycopg.AsyncClientCursor(conn)
                    await cursor.execute(
                        f"EXPLAIN (ANALYZE, FORMAT JSON) EXECUTE {name} ({', '.join(['%s'] * len(names))})",
                        [values[n] for n in names])
                    plan = (await cursor.fetchone())[0][0]["Plan"]
                    kinds = await (await conn.execute(
                        "SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE name = %s",
                        (name,))).fetchone()
                    out[name] = plan, kinds
        return out

    for name, (plan, (generic, custom)) in asyncio.run(body()).items():
        assert (generic, custom) == (1, 0), name
        scans = [node for node in _plan_nodes(plan)
                 if node.get("Relation Name", "").startswith("events") and node["Actual Loops"] > 0]
        examined = {id(node): (node["Actual Rows"] + node.get("Rows Removed by Filter", 0)
                               + node.get("Rows Removed by Index Recheck", 0)) * node["Actual Loops"]
                    for node in scans}
        assert sum(examined.values()) == (101 if name == "tail" else 101 + 1), name
        for node in scans:  # those that read rows read them through the index (empty partitions are seq scanned)
            indexes = {n.get("Index Name", "") for n in _plan_nodes(node)}
            assert examined[id(node)] == 0 or any(i.endswith("session_id_sequence_number_idx") for i in indexes), \
                (name, node)


def test_a_turn_is_one_round_trip_a_call(databases, tmp_path):
    """A Runner's turn (get_session of the most recent N, then append_event per event) costs one round
    trip a call on the pool's autocommit connections, read off libpq's protocol trace: one Sync from
    the client each, no BEGIN or COMMIT of its own (the statement is its own transaction)."""
    from psycopg.pq import Trace

    trace = tmp_path / "protocol.trace"

    async def body():
        with open(trace, "w") as out:
            async def traced(conn):
                conn.pgconn.trace(out.fileno())
                conn.pgconn.set_trace_flags(Trace.SUPPRESS_TIMESTAMPS | Trace.REGRESS_MODE)
            async with AgentDbSessionService(databases["agentdb"], configure=traced, max_size=1) as service:
                session = await service.create_session(app_name="wire", user_id="alice")
                at = session.last_update_time
                for n in range(8):  # psycopg prepares a statement at its 5th run (one more round trip, once)
                    await service.append_event(session, event(timestamp=at + n + 1))
                    await service.get_session(app_name="wire", user_id="alice", session_id=session.id,
                                              config=GetSessionConfig(num_recent_events=100))
                out.flush()
                start = trace.stat().st_size
                current = await service.get_session(app_name="wire", user_id="alice", session_id=session.id,
                                                    config=GetSessionConfig(num_recent_events=100))
                for n in range(4):
                    await service.append_event(current, event(timestamp=at + 10 + n))
                out.flush()
        with open(trace) as read:
            read.seek(start)
            sent = [line.split("\t")[2] for line in read.read().splitlines() if line.startswith("F\t")]
        assert sent.count("Sync") == 5, sent
        assert not [m for m in sent if m.startswith("Query")], sent  # no BEGIN / COMMIT
    asyncio.run(body())
