"""`make test-calendar`: the time-dependent suites at pinned instants of the calendar.

For each instant below, a fresh embedded server starts with its clock pinned there and advancing
(libfaketime, agentdb.server.PinnedClock), in the instant's TimeZone. Against it, in turn:
  pgTAP   PGTAP_FILES as `dbctl test` runs them: the modules migrated and seeded once, each module's
          files by pg_prove in a copy of that database with the helpers they need (the database's
          clock is the server's);
  pytest  PYTEST_TESTS, with the client's clock following the server's (conftest.py, time-machine);
  bench   the quick films benchmark's data generation with its core.run_maintenance() call, in this
          process, with this process's clock following the server's.
A report says per instant which suite failed and how long each took; the exit status is 1 when
anything failed. `--instant` and `--suite` narrow a run; `--keep` leaves the last server running.
Instants run two at a time (`--jobs`), each in a process of its own (the bench moves its process's
wall clock) with its own server; an instant's report is printed whole when it ends.

Why two clocks: Python under libfaketime is unusable here (time.sleep fails with EINVAL when the
monotonic clock is left real; timed waits hang when it is faked), so Python clients move their wall
clock with time-machine instead, starting from the server's now(). Monotonic clocks, sleeps and
timeouts stay real on both sides, and so do the file times the kernel writes.
"""

import json
import os
import re
import subprocess
import sys
import time
import traceback
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, redirect_stderr
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import click
import psycopg

from agentdb import testrun
from agentdb.connection import server_home
from agentdb.errors import DbctlError
from agentdb.project import Project
from agentdb.server import EmbeddedServer, PinnedClock, wheel_install_dir

ROOT = Path(__file__).resolve().parents[1]
CLIENT_CLOCK = "AGENTDB_CLIENT_CLOCK"  # =server: pytest's clock follows the server's (conftest.py)


@dataclass(frozen=True)
class Instant:
    name: str
    start: str  # UTC, YYYY-MM-DD HH:MM:SS
    timezone: str
    why: str

    def clock(self) -> PinnedClock:
        return PinnedClock(datetime.fromisoformat(self.start).replace(tzinfo=timezone.utc), self.timezone)


INSTANTS = [
    Instant("month-start", "2027-03-01 00:00:30", "UTC",
            "1 March, a Monday, 30 s in: the last hour, day and week are February's"),
    Instant("month-end", "2027-04-30 23:59:30", "UTC",
            "the last day of a 30-day month, 30 s before its end: the run crosses into May"),
    Instant("leap-day", "2028-02-29 12:00:00", "UTC",
            "29 February 2028: a year back or ahead has no such day"),
    Instant("new-year", "2027-12-31 23:59:30", "UTC",
            "31 December, 30 s before midnight: the run crosses into 2028 (ISO week 2027-W52 goes on)"),
    Instant("dst-start", "2027-03-14 06:59:40", "America/New_York",
            "New York, 01:59:40 EST on the day clocks go forward: 02:00 EST becomes 03:00 EDT 20 s in"),
    Instant("dst-end", "2027-11-07 05:59:40", "America/New_York",
            "New York, 01:59:40 EDT on the day clocks go back: 02:00 EDT becomes 01:00 EST 20 s in"),
]

# The time-dependent suites, chosen here and nowhere else: partitions and maintenance (run on every
# registered table, so a test's fixed dates meet the partitions made for the server's today),
# retention, expiry, stale agents, time travel, time zones, and the tests that place data relative
# to now(). Helpers are installed for the modules in PGTAP_HELPERS only (into the databases of the
# modules that require them): core's are functions; background's volume ends at now() and feeds its
# plan tests and the spec's statements. (The films, assistant and memory volumes have fixed dates and
# take a minute to build: not here.)
PGTAP_FILES = [
    "tests/core/04_partition_registration.sql",
    "tests/core/05_maintenance.sql",
    "tests/core/08_monitoring.sql",
    "tests/core/09_maintenance_tasks.sql",
    "tests/core/10_unroutable_rows.sql",
    "tests/core/12_referenced_rows.sql",
    "tests/core/13_late_rows.sql",
    "tests/core/14_time_zones.sql",
    "tests/films/04_time_travel.sql",
    "tests/films/08_retention.sql",
    "tests/films/10_hardening.sql",
    "tests/films/12_append_paths.sql",
    "tests/films/13_referenced_rescue.sql",
    "tests/assistant/06_retention.sql",
    "tests/background/03_lifecycle.sql",
    "tests/background/05_spec_statements.sql",
    "tests/background/06_partitions_retention.sql",
    "tests/background/07_views.sql",
    "tests/background/08_roles.sql",
    "tests/background/09_plans.sql",
    "tests/background/11_agent_states.sql",
    "tests/background/16_write_paths.sql",
    "tests/background/17_ten_second_parts.sql",
    "tests/memory/05_states.sql",
    "tests/memory/12_clock.sql",
]
PGTAP_HELPERS = ["core", "background"]
PYTEST_TESTS = [
    "tests/python/test_maintenance.py::test_writers_never_fail_and_no_row_inside_retention_is_lost",
    "tests/python/test_maintenance.py::test_two_dbctl_maintain_at_once_both_succeed",
    "tests/python/test_maintenance.py::test_dbctl_maintain_dry_run_changes_nothing_then_maintains",
    "tests/python/test_maintenance_role.py",
    "tests/python/test_maintenance_isolation.py::"
    "test_a_referenced_row_in_the_default_partition_is_rescued_and_the_run_commits",
    "tests/python/test_maintenance_late_rows.py",
    "tests/python/test_background_rollup_race.py",
    "tests/python/test_background_client.py::"
    "test_the_spec_clients_life_cycle_runs_unchanged_and_reads_what_the_spec_ddl_reads",
    "tests/python/test_assistant_client.py::test_the_spec_retention_and_the_module_cleanups",
]
SUITES = ("pgtap", "pytest", "bench")
# Each instant's server is thrown away after it: it need not survive a crash, so it does not wait
# for the disk. (synchronous_commit stays on: with it off, plans measured right after VACUUM change,
# since hint bits of commits not yet flushed cannot be set; films' index-only listing was seen to.)
THROWAWAY = {"fsync": "off", "full_page_writes": "off"}


@dataclass
class Outcome:
    suite: str
    seconds: float
    failures: list[str]  # what failed, one line each; empty when the suite passed
    log: Path | None = None
    detail: str = ""


# -- the client's clock --------------------------------------------------------------------------

def server_now(dsn: str) -> datetime:
    with psycopg.connect(dsn, autocommit=True, connect_timeout=10) as conn:
        return conn.execute("SELECT now()").fetchone()[0]


def follow_server_clock(dsn: str):
    """A time-machine traveller (start() / stop(), or a with block) that sets this process's wall
    clock (time.time, datetime.now, date.today, ...) to the server's now() and lets it advance in
    real time, so times the client computes agree with the server's to within a query's latency."""
    import time_machine  # a test dependency: imported only where a clock is pinned

    # In UTC: an aware destination in another zone would make time-machine move the local zone too.
    return time_machine.travel(server_now(dsn).astimezone(timezone.utc), tick=True)


# -- the suites ----------------------------------------------------------------------------------

def run_pgtap(admin: str, logs: Path) -> Outcome:
    """PGTAP_FILES as `dbctl test` runs them (each module's in a copy of one migrated database), one
    module at a time (the other lane and the other instant use the second core), with only the helpers
    of PGTAP_HELPERS."""
    started = time.monotonic()
    project = Project(ROOT)
    runs = testrun.module_tests(project, project.modules(()), PGTAP_FILES, PGTAP_HELPERS)
    missing = set(PGTAP_FILES) - {rf.source.rel for run in runs for rf in run.tests}
    if missing:
        raise DbctlError(f"calendar pgTAP files not found: {', '.join(sorted(missing))}")
    psql = str(wheel_install_dir() / "bin" / "psql")
    failures, reports = [], []
    for run in testrun.prove_modules(project, admin, psql, (), runs, jobs=1):
        reports.append(f"== {run.name}: test database {run.database}, {run.seconds:.1f} s\n{run.report}")
        if run.passed:  # a failed module's database stays while its server does (--keep)
            testrun.drop_database(admin, run.database)
        else:
            failures += pg_prove_failures(run.report)
    log = logs / "pgtap.log"
    log.write_text("".join(reports))
    return Outcome("pgtap", time.monotonic() - started, failures, log,
                   ", ".join(f"{run.name} {run.seconds:.0f} s" for run in runs))


def pg_prove_failures(report: str) -> list[str]:
    """Each failed assertion of a failed pg_prove run as `file: not ok N - description`, or pg_prove's
    own complaint (a bad plan, a file that died) when it names no assertion."""
    failures, current = [], "?"
    for line in report.splitlines():
        if line.startswith("tests/") and " .." in line:
            current = line.split()[0]
        elif line.startswith("not ok"):
            failures.append(f"{current}: {line}")
    summary = report.partition("Test Summary Report")[2]
    problems = [" ".join(line.split()) for line in summary.splitlines()
                if line.strip().startswith(("Parse errors", "Non-zero exit", "Bad plan"))]
    output = report.strip().splitlines()
    return failures + problems or [output[-1] if output else "pg_prove failed"]


def run_pytest(admin: str, logs: Path) -> Outcome:
    started = time.monotonic()
    env = {**os.environ, "DATABASE_URL": admin, CLIENT_CLOCK: "server"}
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *PYTEST_TESTS]
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    log = logs / "pytest.log"
    log.write_text(result.stdout + result.stderr)
    failures = []
    if result.returncode != 0:
        failures = [line for line in result.stdout.splitlines() if re.match(r"(FAILED|ERROR) ", line)]
        failures = failures or [(result.stdout + result.stderr).strip().splitlines()[-1]]
    return Outcome("pytest", time.monotonic() - started, failures, log)


def run_bench(admin: str, logs: Path) -> Outcome:
    """The quick films benchmark's data generation, ending with its core.run_maintenance() call."""
    started = time.monotonic()
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from bench.common import fresh_database
    from bench.films import QUICK, Films

    log = logs / "bench.log"
    failures = []
    with _environment(DATABASE_URL=admin), follow_server_clock(admin), open(log, "w") as out, redirect_stderr(out):
        try:
            with fresh_database(("core", "films")) as dsn:
                films = Films(dsn, QUICK)
                try:
                    films.generate()
                finally:
                    films.conn.close()
                    films.raw.close()
            out.write("films data generation and maintenance: ok\n")
        except Exception as exc:  # any failure is the suite's result, reported with the instant
            out.write(traceback.format_exc())
            failures = [f"{type(exc).__name__}: {' '.join(str(exc).split())}"[:400]]
    return Outcome("bench", time.monotonic() - started, failures, log)


RUNNERS = {"pgtap": run_pgtap, "pytest": run_pytest, "bench": run_bench}


def run_suite(suite: str, admin: str, logs: Path) -> Outcome:
    started = time.monotonic()
    try:
        return RUNNERS[suite](admin, logs)
    except (DbctlError, psycopg.Error) as exc:
        return Outcome(suite, time.monotonic() - started, [" ".join(str(exc).split())])


def run_instant(instant: Instant, suites, keep: bool, echo) -> list[Outcome]:
    """One instant: a fresh server pinned there, then the suites in two lanes at once (pgTAP; pytest
    then the bench), which keeps both cores busy: the pgTAP lane spends most of its time building
    background's volume in one backend."""
    server = EmbeddedServer(server_home(ROOT) / "calendar" / instant.name, instant.clock(), THROWAWAY)
    server.down(wipe=True)
    logs = server_home(ROOT) / "calendar-logs" / instant.name
    logs.mkdir(parents=True, exist_ok=True)
    try:
        started = time.monotonic()
        try:
            admin = server.up()
        except DbctlError as exc:
            echo(f"  server FAILED: {exc}")
            return [Outcome("server", time.monotonic() - started, [str(exc)])]
        echo(f"  server clock {server_now(admin)} ({instant.timezone}), started in "
             f"{time.monotonic() - started:.1f} s")
        lanes = [[s for s in lane if s in suites] for lane in (["pgtap"], ["pytest", "bench"])]
        with ThreadPoolExecutor(max_workers=2) as pool:
            futures = [pool.submit(lambda lane=lane: [run_suite(s, admin, logs) for s in lane]) for lane in lanes]
            done = {o.suite: o for future in futures for o in future.result()}
        outcomes = [done[suite] for suite in suites]
        for outcome in outcomes:
            state = "ok" if not outcome.failures else "FAILED"
            detail = f"   ({outcome.detail})" if outcome.detail else ""
            where = f"   log: {outcome.log}" if outcome.failures and outcome.log else ""
            echo(f"  {outcome.suite:<7}{state:<7}{outcome.seconds:6.1f} s{detail}{where}")
            for line in outcome.failures:
                echo(f"           {line}")
        echo(f"  server clock at the end: {server_now(admin)}; {time.monotonic() - started:.0f} s in all")
    finally:
        if keep:
            echo(f"  kept the server running: {server.url()} "
                 "(stop it: .venv/bin/python -m agentdb.calendar_run --stop)")
        else:
            server.down(wipe=True)
    return outcomes


@contextmanager
def _environment(**values):
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def run_in_child(instant: Instant, suites) -> tuple[str, dict[str, bool]]:
    """One instant in a process of its own: its printed report, and each suite's pass (True) or fail."""
    outcome_file = server_home(ROOT) / "calendar-logs" / f"{instant.name}.json"
    outcome_file.unlink(missing_ok=True)
    command = [sys.executable, "-m", "agentdb.calendar_run", "--instant", instant.name,
               "--outcomes", str(outcome_file), *(arg for suite in suites for arg in ("--suite", suite))]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    report = result.stdout + result.stderr
    try:
        passed = json.loads(outcome_file.read_text())
    except (OSError, ValueError):
        passed = {"runner": False}
        report += f"  the instant's runner ended without its outcomes (exit {result.returncode})\n"
    return report, passed


def run_here(instant: Instant, suites, keep: bool) -> dict[str, bool]:
    click.echo(f"calendar {instant.name}: {instant.start} UTC, TimeZone {instant.timezone} ({instant.why})")
    return {o.suite: not o.failures for o in run_instant(instant, suites, keep, click.echo)}


@click.command()
@click.option("--instant", "names", multiple=True, type=click.Choice([i.name for i in INSTANTS]),
              help="Only this instant (repeatable); default: all.")
@click.option("--suite", "suites", multiple=True, type=click.Choice(SUITES),
              help="Only this suite (repeatable); default: all.")
@click.option("--jobs", default=2, show_default=True, type=click.IntRange(1, 6),
              help="Instants run at once, each in its own process with its own server.")
@click.option("--keep", is_flag=True, help="Leave the last instant's server running, to look into it.")
@click.option("--stop", is_flag=True, help="Stop and remove servers left by --keep, and run nothing.")
@click.option("--outcomes", type=click.Path(dir_okay=False, path_type=Path), hidden=True,
              help="Write each suite's pass or fail here as JSON (the parent run reads it).")
def main(names, suites, jobs, keep, stop, outcomes):
    """Run the time-dependent suites at every pinned instant; exit 1 when anything failed."""
    if stop:
        for home in sorted((server_home(ROOT) / "calendar").glob("*/")):
            click.echo(f"{home.name}: {EmbeddedServer(home).down(wipe=True)}")
        return
    chosen = [i for i in INSTANTS if not names or i.name in names]
    suites = [s for s in SUITES if not suites or s in suites]
    began = time.monotonic()
    results = {}
    if len(chosen) > 1 and jobs > 1 and not keep:
        with ThreadPoolExecutor(max_workers=jobs) as pool:
            futures = {instant.name: pool.submit(run_in_child, instant, suites) for instant in chosen}
            for instant in chosen:  # each report whole, in the list's order
                report, results[instant.name] = futures[instant.name].result()
                click.echo(report.rstrip("\n"))
    else:
        for n, instant in enumerate(chosen):
            results[instant.name] = run_here(instant, suites, keep and n + 1 == len(chosen))
    if outcomes:  # a child of a parallel run: the parent reports
        outcomes.write_text(json.dumps(results[chosen[0].name]))
        return
    failed = [(name, suite) for name, passed in results.items() for suite, ok in passed.items() if not ok]
    click.echo(f"\ncalendar: {len(chosen)} instants x {', '.join(suites)} in {time.monotonic() - began:.0f} s"
               + (f", {jobs} at a time" if len(chosen) > 1 and jobs > 1 and not keep else ""))
    for name, passed in results.items():
        click.echo(f"  {name:<12} " + "  ".join(f"{suite} {'ok' if ok else 'FAILED'}" for suite, ok in passed.items()))
    if failed:
        click.echo(f"calendar: FAILED at {len({name for name, _ in failed})} instant(s): "
                   + ", ".join(f"{name} {suite}" for name, suite in failed))
        sys.exit(1)
    click.echo("calendar: every instant passed")


if __name__ == "__main__":
    main()
