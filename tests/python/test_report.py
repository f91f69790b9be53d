"""dbctl report, checked in a real browser (Debian's headless Chromium, through tests/python/browser.py):
built on a freshly migrated and seeded database after maintenance ran (once cleanly, once with a
step failing behind a lock) and after a backdated insert landed in a default partition; opened from
disk it logs no error, requests nothing but itself, shows every section with its charts drawn, the
default partition's rows on the partitions timeline, a failed step's message one click away. The
same as a login that is only a member of agentdb_readonly. A screenshot is written for a person to
look at (its path is printed; pytest -s shows it)."""

import uuid
from datetime import date
from pathlib import Path

import psycopg
import pytest

from agentdb.connection import with_database
from browser import Browser
from conftest import dbctl, query

SECTIONS = ["overview", "partitions", "growth", "maintenance", "films", "assistant", "background", "memory",
            "query-health"]
LATE = "background.system_events"  # where the backdated row goes (ISO weeks: 10 days back has no partition)

# Per section: its charts, and how many of them have marks drawn (bars, points, lines, filled areas).
CHARTS_DRAWN = """
(() => Object.fromEntries([...document.querySelectorAll('section.report-section')].map(s => [s.id, [
  s.querySelectorAll('.chart').length,
  [...s.querySelectorAll('.chart')].filter(c => c.querySelector('svg.main-svg') &&
     [...c.querySelectorAll('g.point path, path.point, path.js-line')]
       .some(p => (p.getAttribute('d') || '').length > 2)).length
]])))()
"""

def seeded_database(dsn: str):
    """Migrated, seeded, statements tracked; maintenance ran once cleanly; then a row dated 10 days back
    lands in a default partition and a second maintenance run fails to rescue it behind a lock."""
    dbctl("migrate", dsn=dsn, check=True)
    dbctl("seed", dsn=dsn, check=True)
    query(dsn, "CREATE EXTENSION IF NOT EXISTS pg_stat_statements WITH SCHEMA extensions")
    dbctl("maintain", dsn=dsn, check=True)
    query(dsn, f"INSERT INTO {LATE} (event_type, timestamp, severity) "
               "VALUES ('late_import', now() - interval '10 days', 'WARNING')")
    with psycopg.connect(dsn) as holder:
        holder.execute(f"LOCK TABLE {LATE} IN ACCESS SHARE MODE")  # blocks the rescue's EXCLUSIVE lock
        result = dbctl("maintain", dsn=dsn)
        holder.rollback()
    assert result.returncode != 0 and "55P03" in result.stdout, result.stdout + result.stderr


@pytest.fixture(scope="module")
def report_database(admin_dsn):
    name = f"agentdb_pytest_report_{uuid.uuid4().hex[:8]}"
    query(admin_dsn, f'CREATE DATABASE "{name}"')
    dsn = with_database(admin_dsn, name)
    try:
        seeded_database(dsn)
        yield dsn
    finally:
        query(admin_dsn, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module")
def browser():
    # Debian's chromium (make setup installs it); missing, Browser() fails saying so: never a skip.
    with Browser() as b:
        yield b


@pytest.fixture
def reader(report_database, admin_dsn):
    """A login that is only a member of agentdb_readonly."""
    role = f"report_reader_{uuid.uuid4().hex[:8]}"
    query(admin_dsn, f"CREATE ROLE {role} LOGIN PASSWORD 'reader' IN ROLE agentdb_readonly")
    params = psycopg.conninfo.conninfo_to_dict(report_database)
    params.update(user=role, password="reader")
    yield role, psycopg.conninfo.make_conninfo(**params)
    query(admin_dsn, f"DROP ROLE {role}")


def days_back_to_the_seeds() -> int:
    """A window reaching the oldest seeded story (films, January 2025), whatever today is."""
    return (date.today() - date(2025, 1, 1)).days + 2


def build(dsn: str, out: Path, *extra) -> Path:
    result = dbctl("report", "--out", str(out), *extra, dsn=dsn)
    assert result.returncode == 0, result.stdout + result.stderr
    return out


def check_page(browser: Browser, page: Path, shot: Path) -> dict:
    browser.open(page)
    browser.wait_for("document.body.getAttribute('data-charts-drawn') || document.body.getAttribute('data-charts-error')")
    assert browser.evaluate("document.body.getAttribute('data-charts-error')") is None
    assert browser.errors() == []
    assert browser.requests() == [page.resolve().as_uri()], "the page requested something besides itself"

    drawn = browser.evaluate(CHARTS_DRAWN)
    assert list(drawn) == SECTIONS
    for section, (charts, with_marks) in drawn.items():
        assert charts >= 1 and with_marks == charts, f"{section}: {with_marks} of {charts} charts drawn"

    # The backdated row: on the default row of its table's timeline, with its count.
    late = browser.evaluate(f"""(() => {{
        const gd = document.getElementById('partitions-{LATE.replace('.', '-')}-timeline');
        const t = gd.data.find(d => d.name === 'rows in the default partition');
        return t ? [t.text, gd.querySelectorAll('.scatterlayer .point').length] : null; }})()""")
    assert late == [["1"], 1]

    # A failed step's message is one click away: a click on the red run opens its details.
    opened = browser.evaluate("""(() => {
        const details = document.querySelector('details.run.failed');
        const gd = document.getElementById('maintenance-chart-1');
        gd.emit('plotly_click', {points: [{customdata: '#' + details.id}]});
        return [details.open, details.querySelector('pre').textContent]; })()""")
    assert opened[0] is True and "55P03" in opened[1] and LATE in opened[1]

    browser.screenshot(shot)
    assert shot.stat().st_size > 50_000
    print(f"\nscreenshot: {shot}")
    return drawn


def test_report_in_a_browser(report_database, browser, tmp_path):
    log_before = query(report_database, "SELECT count(*), max(id) FROM core.maintenance_log")
    page = build(report_database, tmp_path / "report.html", "--days", str(days_back_to_the_seeds()))
    check_page(browser, page, tmp_path / "report.png")
    html = page.read_text()
    assert "unroutable" in html and "agentdb_readonly" in html  # read as the read-only role
    assert query(report_database, "SELECT count(*), max(id) FROM core.maintenance_log") == log_before


def test_report_as_a_login_only_in_the_readonly_role(reader, browser, tmp_path):
    role, dsn = reader
    assert query(dsn, "SELECT pg_has_role(current_user, 'agentdb_owner', 'MEMBER')") == [(False,)]
    page = build(dsn, tmp_path / "readonly.html", "--days", str(days_back_to_the_seeds()))
    check_page(browser, page, tmp_path / "readonly.png")


def test_a_login_outside_the_readonly_role_is_told_what_to_grant(report_database, admin_dsn, tmp_path):
    role = f"report_outsider_{uuid.uuid4().hex[:8]}"
    query(admin_dsn, f"CREATE ROLE {role} LOGIN PASSWORD 'outsider'")
    try:
        params = psycopg.conninfo.conninfo_to_dict(report_database)
        params.update(user=role, password="outsider")
        result = dbctl("report", "--out", str(tmp_path / "no.html"), dsn=psycopg.conninfo.make_conninfo(**params))
        assert result.returncode != 0
        assert f"GRANT agentdb_readonly TO {role}" in result.stderr
        assert not (tmp_path / "no.html").exists()
    finally:
        query(admin_dsn, f"DROP ROLE {role}")


@pytest.mark.parametrize("modules", [(), ("core",)], ids=["nothing migrated", "migrated, no data"])
def test_an_empty_database_gets_a_page_saying_so(database, browser, tmp_path, modules):
    if modules:
        dbctl("migrate", dsn=database, check=True)
    page = build(database, tmp_path / "empty.html")
    browser.open(page)
    browser.wait_for("document.body.getAttribute('data-charts-drawn') || document.body.getAttribute('data-charts-error')")
    assert browser.errors() == []
    sections = browser.evaluate("[...document.querySelectorAll('section.report-section')].map(s => "
                                "[s.id, s.querySelectorAll('.empty, .note').length])")
    names = [s for s, _ in sections]
    if modules:
        assert names == SECTIONS  # every module is migrated: each has its section, saying it has nothing yet
    else:
        assert names == ["overview", "partitions", "growth", "maintenance", "query-health"]
    for name, said in sections:
        assert said >= 1, f"{name} says nothing about having no data"
