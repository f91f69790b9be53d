"""Shared benchmark plumbing: a fresh migrated database, timing, medians, the printed table."""

import json
import os
import platform
import statistics
import time
from contextlib import contextmanager
from pathlib import Path

import psycopg

from agentdb import migrate
from agentdb.connection import connect, resolve_dsn, with_database
from agentdb.project import Project
from agentdb.testrun import create_database, drop_database

ROOT = Path(__file__).resolve().parents[1]


@contextmanager
def fresh_database(modules=("core",)):
    """A new database with the modules migrated; dropped afterwards."""
    admin = resolve_dsn(None, ROOT)
    name = create_database(admin, "agentdb_bench")
    dsn = with_database(admin, name)
    try:
        with connect(dsn) as conn:
            migrate.migrate(Project(ROOT), conn, modules, echo=lambda _: None)
        yield dsn
    finally:
        drop_database(admin, name)


def timed(fn, *args):
    started = time.perf_counter()
    result = fn(*args)
    return time.perf_counter() - started, result


class Results:
    """Rows of metric | median | min-max | note, printed as a table and written as JSON."""

    def __init__(self, title: str):
        self.title = title
        self.rows = []

    def add(self, metric: str, samples: list[float], unit: str = "ms", note: str = ""):
        scale = 1000 if unit == "ms" else 1
        values = [s * scale for s in samples]
        self.rows.append({
            "metric": metric, "unit": unit, "median": statistics.median(values),
            "min": min(values), "max": max(values), "runs": len(values), "note": note,
        })

    def add_value(self, metric: str, value: float, unit: str, note: str = ""):
        self.rows.append({"metric": metric, "unit": unit, "median": value, "min": value, "max": value,
                          "runs": 1, "note": note})

    def render(self) -> str:
        from agentdb.report import table
        lines = [[r["metric"], f"{r['median']:.2f} {r['unit']}",
                  f"{r['min']:.2f}-{r['max']:.2f}", r["runs"], r["note"]] for r in self.rows]
        return f"{self.title}\n" + table(["metric", "median", "min-max", "runs", "note"], lines)

    def save(self, dsn: str, folder: Path = ROOT / "bench" / "results"):
        folder.mkdir(parents=True, exist_ok=True)
        with psycopg.connect(dsn) as conn:
            server = conn.execute("SELECT version()").fetchone()[0]
            settings = dict(conn.execute(
                "SELECT name, setting FROM pg_settings WHERE name IN "
                "('shared_buffers', 'work_mem', 'synchronous_commit', 'max_wal_size', 'fsync')").fetchall())
        path = folder / f"{time.strftime('%Y%m%d-%H%M%S')}-{self.title.split()[0].lower()}.json"
        path.write_text(json.dumps({
            "title": self.title, "server": server, "settings": settings, "cores": os.cpu_count(),
            "machine": platform.platform(), "python": platform.python_version(), "rows": self.rows,
        }, indent=2))
        return path
