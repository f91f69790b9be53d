"""The ADK session-service benchmark: agentdb's AgentDbSessionService beside Google ADK's own
InMemorySessionService (no storage at all) and DatabaseSessionService, each on a session built through
its own append_event, on one server (a database each), in one run.

Measured: one ADK turn's session work (what a Runner does: get_session with the most recent 100
events, then 4 append_event), get_session of the whole session, and append_event from one client.
agentdb's turn and whole-session read are read against their floors (Floors: the same work without
the service), measured run for run in turn with them."""

import asyncio
import gc
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
TURN_RUNS = 31  # a turn takes milliseconds: more runs than RUNS, for a steadier median on a busy machine


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


async def measure(name: str, service, count: int, floor_dsn: str | None = None) -> dict:
    """The service's turn, whole-session read and append rate on a session it built. With floor_dsn
    (agentdb's database), the floors are measured in the same loop, run for run in turn with the
    service's, so that a change in the machine's load moves both alike."""
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
    del prepared

    async def turn():
        current = await service.get_session(app_name=APP, user_id=USER, session_id=session.id,
                                            config=GetSessionConfig(num_recent_events=100))
        for n in range(4):
            await service.append_event(current, new_event(n))

    async def whole():
        await service.get_session(app_name=APP, user_id=USER, session_id=session.id)

    out = {"append": Measure([append_rate], "ev/s")}
    if floor_dsn is None:
        out["whole"], = await timed([whole], RUNS, collect=True)
        out["turn"], = await timed([turn], TURN_RUNS)
        return out
    # What the service returns, as JSON, for the floors: ADK's own parsing of the same events. The whole
    # session is read before the turns append to it.
    from pydantic import TypeAdapter
    events = TypeAdapter(list[Event])
    recent = await service.get_session(app_name=APP, user_id=USER, session_id=session.id,
                                       config=GetSessionConfig(num_recent_events=100))
    full = await service.get_session(app_name=APP, user_id=USER, session_id=session.id)
    returned = {"recent": events.dump_json(recent.events, exclude_none=True),
                "whole": events.dump_json(full.events, exclude_none=True)}
    del recent, full
    with Floors(floor_dsn, returned, new_event, session.id) as floors:
        out["whole"], out["floor_whole"] = await timed([whole, floors.whole], RUNS, collect=True)
        out["turn"], out["floor_turn"], out["films_turn"], out["bare_turn"] = await timed(
            [turn, floors.turn, floors.films_turn, floors.bare_turn], TURN_RUNS)
    return out


# The least event store (Floors.bare_turn), made from the films session's events.
BARE = [
    "CREATE TABLE public.bare_sessions (id uuid PRIMARY KEY, last_sequence integer NOT NULL, updated_at timestamptz)",
    """CREATE TABLE public.bare_events (session_id uuid, sequence_number integer, event_data json NOT NULL,
           created_at timestamptz NOT NULL, PRIMARY KEY (session_id, sequence_number))""",
    """INSERT INTO public.bare_events SELECT e.session_id, e.sequence_number, e.event_data, e.created_at
       FROM films.events AS e WHERE e.session_id = %(id)s""",
    """INSERT INTO public.bare_sessions SELECT s.id, s.last_sequence, s.updated_at
       FROM films.sessions AS s WHERE s.id = %(id)s""",
    """CREATE FUNCTION public.bare_append(p_session uuid, p_event json) RETURNS integer
       LANGUAGE plpgsql AS $$
       DECLARE
           v_sequence integer;
       BEGIN
           UPDATE public.bare_sessions SET last_sequence = last_sequence + 1, updated_at = now()
           WHERE id = p_session RETURNING last_sequence INTO v_sequence;
           INSERT INTO public.bare_events VALUES (p_session, v_sequence, p_event, now());
           RETURN v_sequence;
       END
       $$""",
    "VACUUM ANALYZE public.bare_events, public.bare_sessions",
]
BARE_RECENT = """SELECT json_agg(t.event_data ORDER BY t.sequence_number)::text
FROM (SELECT e.sequence_number, e.event_data FROM public.bare_events AS e WHERE e.session_id = %(id)s
      ORDER BY e.sequence_number DESC LIMIT 100) AS t"""


class Floors:
    """The unavoidable work of a turn and of a whole-session read, without the service, on agentdb's
    server from a synchronous psycopg connection:
      turn    ADK's own parsing (pydantic validation) of the 100 events a turn reads, building the 4
              events it appends and their JSON, one read round trip and 4 one-row commits;
      whole   the parse of the whole session's events and films' reconstruction in the server.
    films_turn is the turn's own SQL (the adapter's statements: the read of the recent 100 and 4
    films.append_event) with the same Python work, still without the service: what the turn would
    cost if the adapter's Python (asyncio, the pool, ADK's bookkeeping) cost nothing; its ratio to
    the floor is the share of films' SQL. bare_turn is the same turn on the least event store there is
    (BARE: one table of the session's events keyed by sequence, and a row of its last sequence, appended
    to by one plpgsql call that moves the one and inserts into the other): what storing ADK's events
    durably costs on this server, against which films' share is read."""

    def __init__(self, dsn: str, returned: dict, new_event, session_id: str):
        from google.adk.events import Event
        from pydantic import TypeAdapter

        from agentdb.adk import service
        self.dsn, self.returned, self.new_event = dsn, returned, new_event
        self.events = TypeAdapter(list[Event])
        self.service = service
        self.films_id = service.row_id(APP, USER, session_id)

    def __enter__(self):
        self.conn = psycopg.connect(self.dsn, autocommit=True)
        self.conn.execute("CREATE TABLE public.floor_probe (n integer)")
        for statement in BARE:
            self.conn.execute(statement, {"id": self.films_id})
        self.films = psycopg.connect(self.dsn, autocommit=True)
        self.films.execute("SET plan_cache_mode = force_generic_plan")  # as the adapter's connections
        return self

    def __exit__(self, *exc):
        self.conn.execute("DROP TABLE public.floor_probe, public.bare_events, public.bare_sessions")
        self.conn.execute("DROP FUNCTION public.bare_append(uuid, json)")
        self.conn.close()
        self.films.close()

    def turn(self):
        self.events.validate_json(self.returned["recent"])
        built = [self.new_event(n) for n in range(4)]
        self.conn.execute("SELECT 1").fetchone()
        for event in built:
            event.model_dump_json(exclude_none=True)
            self.conn.execute("INSERT INTO public.floor_probe VALUES (1)")

    def films_turn(self):
        s = self.service
        params = {"id": self.films_id, "app": APP, "user": USER, "recent": 100, "after_at": None}
        sequence, *_, fast, text = self.films.execute(s._GET_TAIL, params).fetchone()
        if fast is False:
            sequence, *_, text = self.films.execute(s._GET_RECENT, params).fetchone()
        self.events.validate_json(text)
        for n in range(4):
            event = self.new_event(n)
            sequence = self.films.execute(s._APPEND_MARKED, {
                **s.event_input(event), "event_data": s.stored_event(event), "id": self.films_id, "app": APP,
                "user": USER, "expected": sequence}).fetchone()[0]

    def bare_turn(self):
        text, = self.conn.execute(BARE_RECENT, {"id": self.films_id}).fetchone()
        self.events.validate_json(text)
        for n in range(4):
            data = self.new_event(n).model_dump_json(exclude_none=True)
            self.conn.execute("SELECT public.bare_append(%s, %s::json)", (self.films_id, data)).fetchone()

    def whole(self):
        self.events.validate_json(self.returned["whole"])
        self.conn.execute("SELECT pg_column_size(films.reconstruct_session(%s))", (self.films_id,)).fetchone()


async def timed(fns: list, runs: int, collect: bool = False) -> list[Measure]:
    """Seconds of each of fns (coroutine functions or plain ones) over `runs` rounds after one warm-up
    round; within a round they run one after the other, so they share the machine's load, each round
    starting with the next of them (none always follows the same one). With collect (the whole-session
    reads), each call starts after a full collection of Python's garbage: such a read makes some 10^5
    objects, and where the interpreter's full collections fall would otherwise decide which call pays
    for its predecessors' objects (docs/performance.md, "The whole-session read and Python's collector")."""
    async def call(fn):
        result = fn()
        if asyncio.iscoroutine(result):
            await result
    for fn in fns:
        await call(fn)
    out = [[] for _ in fns]
    for run in range(runs):
        for k in range(len(fns)):
            i = (run + k) % len(fns)
            if collect:
                gc.collect()
            started = time.perf_counter()
            await call(fns[i])
            out[i].append(time.perf_counter() - started)
    return [Measure(values) for values in out]


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
            results[name] = await measure(name, service, count,
                                          dsns["agentdb"] if name == "AgentDbSessionService" else None)
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
            assert conn.execute("SELECT max(total_events) FROM films.sessions").fetchone()[0] == \
                n + 4 * 2 * (TURN_RUNS + 1)  # the service's turns and films_turn's
        ours_side = measured["AgentDbSessionService"]

        def row(key):
            return {name: measured[name][key] for name in SERVICES}
        result.add(f"one turn: get_session (recent 100) + 4 append_event, {n:,} events", "<= 1.3x floor",
                   row("turn"), floor=ours_side["floor_turn"],
                   floor_label="parse 100 + build 4 + 4 commits + 1 read")
        result.add("  the turn's SQL alone (sync psycopg, no service)", "(films' share)",
                   {"AgentDbSessionService": ours_side["films_turn"]}, floor=ours_side["floor_turn"],
                   floor_label="the same floor")
        result.add("  the same turn on a bare event table (sync psycopg)", "(storing events)",
                   {"AgentDbSessionService": ours_side["bare_turn"]}, floor=ours_side["floor_turn"],
                   floor_label="the same floor")
        # Round by round: the least store's turn plus what the service adds to films' statements.
        reach = Measure([bare + turn - sql for bare, turn, sql in zip(
            ours_side["bare_turn"].values, ours_side["turn"].values, ours_side["films_turn"].values)])
        result.add("  the bare table's turn + the service's own share (turn - its SQL), by round",
                   "(films adding nothing)", {"AgentDbSessionService": reach},
                   floor=ours_side["floor_turn"], floor_label="the same floor")
        result.add(f"get_session, whole {n:,}-event session", "<= 1.2x floor", row("whole"),
                   floor=ours_side["floor_whole"], floor_label=f"parse {n:,} + reconstruction in the server")
        result.add("append_event, 1 client (events/s)", "", row("append"), higher_is_better=True)
        result.save(ours, sizes)
    return result
