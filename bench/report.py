"""`dbctl report` on a benchmark's database (its module's data at the benchmark's sizes): seconds to
build the page, target under 5 s, beside its floor, `dbctl status` on the same database (a process
start, the project's files rendered, a connection, the ledger read: what any dbctl command pays)."""

import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import ROOT, Measure, Results, Row

RUNS = 3


def dbctl(*args, check: bool = True) -> float:
    started = time.perf_counter()
    result = subprocess.run([sys.executable, str(ROOT / "dbctl.py"), *args], capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if check and result.returncode != 0:
        raise RuntimeError(f"dbctl {args[0]} failed: {result.stderr.strip()}")
    return seconds


def add_rows(results: Results, dsn: str, module: str, days: int = 7):
    with tempfile.TemporaryDirectory() as folder:
        out = str(Path(folder, "report.html"))
        command = ["report", "--module", module, "--days", str(days), "--out", out, "--dsn", dsn]
        dbctl(*command)  # warm-up: caches, statistics
        report = Measure([dbctl(*command) for _ in range(RUNS)], "s")
        floor = Measure([dbctl("status", "--module", module, "--dsn", dsn, check=False) for _ in range(RUNS)], "s")
    results.add(Row(f"dbctl report --module {module} --days {days}", "< 5 s", report,
                    note=f"floor: dbctl status {floor.text()}"))
