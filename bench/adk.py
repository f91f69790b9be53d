"""The ADK column: Google ADK's own DatabaseSessionService on the same PostgreSQL server (a database
of its own), appending the same events and reading them back with get_session. Optional: without
google-adk installed (`pip install -e .[bench]`) the column says so; nothing is faked."""

import asyncio
import importlib.util
import time

import psycopg

from bench.common import Measure, fresh_database, storage_per_event

NOT_INSTALLED = "not installed (pip install -e '.[bench]')"


def installed() -> bool:
    try:
        return importlib.util.find_spec("google.adk.sessions") is not None
    except ModuleNotFoundError:  # not even the google namespace package
        return False


def run(count: int, events: list[dict]) -> dict:
    if not installed():
        return {key: NOT_INSTALLED for key in ("append", "get_full", "get_recent", "bytes_per_event")}
    with fresh_database(modules=(), prefix="agentdb_bench_adk") as dsn:
        result = asyncio.run(_measure(dsn, events[:count]))
        with psycopg.connect(dsn) as conn:
            result["bytes_per_event"] = Measure([storage_per_event(conn, "public.events")], "B")
    return result


async def _measure(dsn: str, events: list[dict]) -> dict:
    from google.adk.events import Event
    from google.adk.sessions import DatabaseSessionService
    from google.adk.sessions.base_session_service import GetSessionConfig
    from sqlalchemy.engine import URL

    params = psycopg.conninfo.conninfo_to_dict(dsn)
    url = URL.create("postgresql+psycopg", params.get("user"), params.get("password"), params.get("host"),
                     int(params.get("port", 5432)), params.get("dbname"))
    service = DatabaseSessionService(db_engine=None, db_url=url.render_as_string(hide_password=False))
    session = await service.create_session(app_name="films", user_id="bench", state={})
    prepared = [Event.model_validate(data) for data in events]
    started = time.perf_counter()
    for n, event in enumerate(prepared):
        await service.append_event(session, event)
        if n % 500 == 499:
            from bench.common import progress
            progress("ADK DatabaseSessionService.append_event", n + 1, len(events))
    append_rate = len(events) / (time.perf_counter() - started)

    async def timed_get(config=None) -> list[float]:
        await service.get_session(app_name="films", user_id="bench", session_id=session.id, config=config)
        out = []
        for _ in range(7):
            begun = time.perf_counter()
            await service.get_session(app_name="films", user_id="bench", session_id=session.id, config=config)
            out.append(time.perf_counter() - begun)
        return out

    full = await timed_get()
    recent = await timed_get(GetSessionConfig(num_recent_events=100))
    await service.close()
    return {"append": Measure([append_rate], "ev/s"), "get_full": Measure(full), "get_recent": Measure(recent)}
