"""The ADK session-service benchmark: agentdb's AgentDbSessionService beside Google ADK's own
InMemorySessionService (the floor: no storage at all) and DatabaseSessionService, each on a session
built through its own append_event, on one server (a database each), in one run.

Measured: one ADK turn's session work (what a Runner does: get_session with the most recent 100
events, then 4 append_event), get_session of the whole session, and append_event from one client."""

import asyncio
import random
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone

import psycopg

from bench import adk
from bench.common import RUNS, Measure, fresh_database, progress, save_json
from bench.films import adk_event

FULL = {"events": 10_000}
QUICK = {"events": 200}
SERVICES = ("InMemorySessionService", "DatabaseSessionService", "AgentDbSessionService")
APP, USER = "films", "bench"


@dataclass
class Table:
    """Rows of one measure per service; ratios are agentdb against each of ADK's services."""
    title: str
    rows: list = field(default_factory=list)

    floors: dict = field(default_factory=dict)  # metric -> (floor Measure, what it is)

    def add(self, metric: str, target: str, values: dict, higher_is_better: bool = False,
            floor: Measure | None = None, floor_label: str = ""):
        self.rows.append((metric, target, values, higher_is_better))
        if floor is not None:
            self.floors[metric] = (floor, floor_label)

    def ratio(self, metric: str, values: dict) -> float | None:
        """AgentDbSessionService's median over the floor's (a time: target <= x)."""
        ours = values.get("AgentDbSessionService")
        if metric not in self.floors or not isinstance(ours, Measure):
            return None
        return ours.median / self.floors[metric][0].median

    def save(self, dsn: str, sizes: dict):
        rows = [{"metric": metric, "target": target, "higher_is_better": higher,
                 **{name: ({"median": v.median, "values": v.values, "unit": v.unit} if isinstance(v, Measure) else v)
                    for name, v in values.items()},
                 "floor": ({"median": self.floors[metric][0].median, "values": self.floors[metric][0].values,
                            "unit": "ms"} if metric in self.floors else None),
                 "floor_label": self.floors[metric][1] if metric in self.floors else "",
                 "ratio_to_floor": self.ratio(metric, values)}
                for metric, target, values, higher in self.rows]
        return save_json(self.title, dsn, sizes, rows)

    def render(self) -> str:
        from agentdb.text_table import table
        lines = []
        for metric, target, values, higher in self.rows:
            ours = values.get("AgentDbSessionService")
            ratios = []
            for peer in SERVICES[:2]:
                theirs = values.get(peer)
                if not isinstance(theirs, Measure) or not isinstance(ours, Measure):
                    ratios.append("")
                else:
                    ratio = ours.median / theirs.median if higher else theirs.median / ours.median
                    ratios.append(f"{ratio:,.2f}x" if ratio >= 0.1 else f"{ratio:.1g}x")
            lines.append([metric, target,
                          *((v.text() if isinstance(v, Measure) else v or "") for v in map(values.get, SERVICES)),
                          *ratios,
                          f"{self.floors[metric][1]}: {self.floors[metric][0].text()}" if metric in self.floors else "",
                          f"{r:,.2f}" if (r := self.ratio(metric, values)) is not None else ""])
        headers = ["metric", "target", *SERVICES, "agentdb vs InMemory", "agentdb vs Database",
                   "floor, same run", "agentdb / floor"]
        return f"{self.title}\n" + table(headers, lines)


def sqlalchemy_url(dsn: str) -> str:
    """The SQLAlchemy URL (psycopg's async driver) of a libpq DSN, for DatabaseSessionService."""
    from sqlalchemy.engine import URL
    p = psycopg.conninfo.conninfo_to_dict(dsn)
    return URL.create("postgresql+psycopg", p.get("user"), p.get("password"), p.get("host"),
                      int(p.get("port", 5432)), p.get("dbname")).render_as_string(hide_password=False)


class Clock:
    """Event times after the session's creation, strictly increasing, as a Runner's are."""

    def __init__(self, start: float):
        self.now = start

    def next(self) -> float:
        self.now = max(self.now + 1e-3, time.time())
        return self.now


async def measure(name: str, service, count: int) -> dict:
    from google.adk.events import Event
    from google.adk.sessions.base_session_service import GetSessionConfig

    session = await service.create_session(app_name=APP, user_id=USER, state={"step": 0})
    clock = Clock(session.last_update_time)
    created = datetime.fromtimestamp(session.last_update_time, timezone.utc)
    rng = random.Random(7)

    def new_event(n: int) -> Event:
        return Event.model_validate({**adk_event(n, rng, created), "timestamp": clock.next()})

    prepared = [new_event(n) for n in range(count)]
    started = time.perf_counter()
    for n, event in enumerate(prepared):
        await service.append_event(session, event)
        if n % 500 == 499 or n + 1 == count:
            progress(f"{name}.append_event", n + 1, count)
    append_rate = count / (time.perf_counter() - started)

    async def turn():
        current = await service.get_session(app_name=APP, user_id=USER, session_id=session.id,
                                            config=GetSessionConfig(num_recent_events=100))
        for n in range(4):
            await service.append_event(current, new_event(n))

    async def whole():
        await service.get_session(app_name=APP, user_id=USER, session_id=session.id)

    out = {"turn": await timed(turn), "whole": await timed(whole), "append": Measure([append_rate], "ev/s")}
    # What the service returned, as JSON, for the floor: ADK's own parsing of the same events.
    from pydantic import TypeAdapter
    events = TypeAdapter(list[Event])
    recent = await service.get_session(app_name=APP, user_id=USER, session_id=session.id,
                                       config=GetSessionConfig(num_recent_events=100))
    full = await service.get_session(app_name=APP, user_id=USER, session_id=session.id)
    out["returned"] = {"recent": events.dump_json(recent.events, exclude_none=True),
                       "whole": events.dump_json(full.events, exclude_none=True), "session": session.id}
    out["new_event"] = new_event
    return out


def floors(dsn: str, returned: dict, new_event) -> dict:
    """The unavoidable work of a turn and of a whole-session read, without the service: ADK's own
    parsing (pydantic model validation) of the events returned, building the 4 appended events, 4
    one-row commits and one read round trip on the same server; for the whole session, the parse and
    films' reconstruction measured in the server."""
    from google.adk.events import Event
    from pydantic import TypeAdapter

    from agentdb.adk.service import row_id
    events = TypeAdapter(list[Event])
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("CREATE TABLE public.floor_probe (n integer)")
        films_id = row_id(APP, USER, returned["session"])

        def turn():
            events.validate_json(returned["recent"])
            built = [new_event(n) for n in range(4)]
            conn.execute("SELECT 1").fetchone()
            for event in built:
                event.model_dump_json(exclude_none=True)
                conn.execute("INSERT INTO public.floor_probe VALUES (1)")

        def whole():
            events.validate_json(returned["whole"])
            conn.execute("SELECT pg_column_size(films.reconstruct_session(%s))", (films_id,)).fetchone()

        result = {}
        for key, fn in (("turn", turn), ("whole", whole)):
            fn()
            out = []
            for _ in range(RUNS):
                started = time.perf_counter()
                fn()
                out.append(time.perf_counter() - started)
            result[key] = Measure(out)
        conn.execute("DROP TABLE public.floor_probe")
    return result


async def timed(fn) -> Measure:
    await fn()
    out = []
    for _ in range(RUNS):
        started = time.perf_counter()
        await fn()
        out.append(time.perf_counter() - started)
    return Measure(out)


async def run_all(count: int, dsns: dict) -> dict:
    from google.adk.sessions import DatabaseSessionService, InMemorySessionService

    from agentdb.adk import AgentDbSessionService

    results = {}
    makers = {"InMemorySessionService": InMemorySessionService,
              "DatabaseSessionService": lambda: DatabaseSessionService(db_url=sqlalchemy_url(dsns["adk"])),
              "AgentDbSessionService": lambda: AgentDbSessionService(dsns["agentdb"])}
    for name, make in makers.items():
        service = make()
        try:
            results[name] = await measure(name, service, count)
        finally:
            if hasattr(service, "close"):
                await service.close()
    return results


def run(quick: bool) -> Table:
    sizes = QUICK if quick else FULL
    n = sizes["events"]
    result = Table(f"ADK session services ({n:,}-event session; google-adk's own services on the same server)")
    if not adk.installed():
        result.add("ADK session services", "", {name: adk.NOT_INSTALLED for name in SERVICES})
        return result
    with fresh_database(("core", "films"), prefix="agentdb_bench_adks") as ours, \
            fresh_database((), prefix="agentdb_bench_adks_peer") as theirs:
        measured = asyncio.run(run_all(n, {"agentdb": ours, "adk": theirs}))
        with psycopg.connect(ours) as conn:  # the session really is in films
            assert conn.execute("SELECT max(total_events) FROM films.sessions").fetchone()[0] == n + 4 * (RUNS + 1)
        ours_side = measured["AgentDbSessionService"]
        floor = floors(ours, ours_side["returned"], ours_side["new_event"])

        def row(key):
            return {name: measured[name][key] for name in SERVICES}
        result.add(f"one turn: get_session (recent 100) + 4 append_event, {n:,} events", "<= 1.3x floor",
                   row("turn"), floor=floor["turn"], floor_label="parse 100 + build 4 + 4 commits + 1 read")
        result.add(f"get_session, whole {n:,}-event session", "<= 1.2x floor", row("whole"), floor=floor["whole"],
                   floor_label=f"parse {n:,} + reconstruction in the server")
        result.add("append_event, 1 client (events/s)", "", row("append"), higher_is_better=True)
        result.save(ours, sizes)
    return result
