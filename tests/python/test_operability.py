"""Operability of dbctl: seeds refresh views, status fails on drift and missing objects, migrate
repairs repeatable files, progress output in logs, modules without files."""

import io
import threading
from pathlib import Path

import psycopg
import pytest

from conftest import dbctl, ledger_files, query
from agentdb import objects
from agentdb.errors import DbctlError
from agentdb.lint import accepted, pgspot_acceptances, pgspot_findings
from agentdb.manifest import SqlFile
from agentdb.project import Project
from agentdb.sqlfiles import RenderedFile, split_statements
from bench import common


def test_seed_refreshes_the_seeded_modules_materialized_views(database):
    dbctl("migrate", "--module", "films", dsn=database, check=True)
    assert query(database, "SELECT count(*) FROM films.session_summary") == [(0,)]
    result = dbctl("seed", "--module", "films", dsn=database, check=True)
    assert "refreshed films.session_summary" in result.stdout
    assert query(database, "SELECT count(*) FROM films.session_summary") == [(1,)]
    assert query(database, "SELECT count(*) FROM films.agent_performance")[0][0] > 0
    assert query(database, "SELECT count(*) FROM core.materialized_view_health "
                           "WHERE last_outcome IS DISTINCT FROM 'ok'") == [(0,)]


def test_status_exits_non_zero_on_drift_after_showing_it(database, scratch_project):
    versioned = scratch_project / "schema" / "demo" / "0001_t.sql"
    versioned.write_text("CREATE TABLE public.t (id integer);\n")
    dbctl("migrate", dsn=database, project=scratch_project, check=True)
    assert dbctl("status", dsn=database, project=scratch_project).returncode == 0
    versioned.write_text("CREATE TABLE public.t (id bigint);\n")
    result = dbctl("status", dsn=database, project=scratch_project)
    assert result.returncode == 1
    assert "schema/demo/0001_t.sql" in result.stdout and "drifted" in result.stdout
    assert "schema/demo/0001_t.sql: was applied with a different checksum" in result.stderr


def test_status_exits_non_zero_on_a_late_versioned_file(database, scratch_project):
    (scratch_project / "schema" / "demo" / "0002_b.sql").write_text("SELECT 1;\n")
    dbctl("migrate", dsn=database, project=scratch_project, check=True)
    (scratch_project / "schema" / "demo" / "0001_a.sql").write_text("SELECT 1;\n")
    result = dbctl("status", dsn=database, project=scratch_project)
    assert result.returncode == 1 and "out of order" in result.stdout


def test_a_function_dropped_by_hand_is_reported_and_migrate_restores_it(database):
    dbctl("migrate", "--module", "films", dsn=database, check=True)
    query(database, "DROP FUNCTION films.search_films(text, integer)")
    query(database, "DROP MATERIALIZED VIEW films.daily_activity")
    result = dbctl("status", dsn=database)
    assert result.returncode == 1
    assert ("functions/films/common_queries.sql: missing object function films.search_films(text, integer); "
            "dbctl migrate applies the file again") in result.stderr
    assert "views/films/daily_activity.sql: missing object materialized view films.daily_activity" in result.stderr
    before = len(ledger_files(database))
    repair = dbctl("migrate", "--module", "films", dsn=database, check=True)
    assert "applied functions/films/common_queries.sql" in repair.stdout
    assert "applied views/films/daily_activity.sql" in repair.stdout
    assert len(ledger_files(database)) == before + 2
    assert query(database, "SELECT to_regprocedure('films.search_films(text, integer)') IS NOT NULL, "
                           "to_regclass('films.daily_activity') IS NOT NULL") == [(True, True)]
    assert dbctl("status", dsn=database).returncode == 0


def test_a_versioned_table_dropped_by_hand_is_reported_with_its_fix(database, scratch_project):
    (scratch_project / "schema" / "demo" / "0001_t.sql").write_text(
        "CREATE TABLE public.kept (id integer);\nCREATE TABLE public.gone (id integer);\n")
    (scratch_project / "schema" / "demo" / "0002_drop.sql").write_text("DROP TABLE public.kept;\n")
    dbctl("migrate", dsn=database, project=scratch_project, check=True)
    assert dbctl("status", dsn=database, project=scratch_project).returncode == 0  # dropped by a file: fine
    query(database, "DROP TABLE public.gone")
    result = dbctl("status", dsn=database, project=scratch_project)
    assert result.returncode == 1
    assert "schema/demo/0001_t.sql: missing object table public.gone; a versioned file is never applied twice" \
        in result.stderr
    assert "public.kept" not in result.stderr
    assert dbctl("migrate", dsn=database, project=scratch_project).returncode == 0  # reports, applies nothing


@pytest.mark.parametrize("arguments, types", [
    ("", ()),
    ("p_at timestamptz DEFAULT clock_timestamp()", ("timestamptz",)),
    ("p_a integer = 1, OUT p_b text, INOUT c jsonb", ("integer", "jsonb")),
    ("double precision, p_t timestamp with time zone, VARIADIC p_v text[]",
     ("double precision", "timestamp with time zone", "text[]")),
    ("p_n numeric(10, 2) DEFAULT f(1, 2)", ("numeric(10, 2)",)),
])
def test_routine_argument_types(arguments, types):
    assert objects.argument_types(arguments) == types


def rendered(rel: str, sql: str) -> RenderedFile:
    source = SqlFile("demo", rel.split("/")[0], Path(rel), rel, 1 if rel.startswith("schema/") else None)
    return RenderedFile(source, sql, "", True, tuple(split_statements(sql)))


def test_objects_created_then_dropped_or_renamed_are_forgotten():
    files = [
        rendered("schema/demo/0001_a.sql", """
            -- header
            CREATE TABLE demo.kept (id integer);
            CREATE TABLE IF NOT EXISTS demo."Quoted" (id integer);
            CREATE TABLE demo.part PARTITION OF demo.parent FOR VALUES IN (1);
            CREATE TEMP TABLE scratch (id integer);
            CREATE TABLE demo.dropped (id integer);
            CREATE TABLE demo.renamed (id integer);
            CREATE FUNCTION demo.f(p_a integer, p_b text DEFAULT 'x') RETURNS integer LANGUAGE sql AS 'SELECT 1';
            CREATE FUNCTION demo.f(p_a bigint) RETURNS integer LANGUAGE sql AS 'SELECT 1';
            DO $$ BEGIN EXECUTE 'CREATE TABLE demo.dynamic (id integer)'; END $$;
        """),
        rendered("schema/demo/0002_b.sql", """
            DROP TABLE IF EXISTS demo.dropped, demo.other CASCADE;
            ALTER TABLE demo.renamed RENAME TO later;
            ALTER TABLE demo.kept RENAME COLUMN id TO key;
            DROP FUNCTION demo.f(bigint);
        """),
        rendered("views/demo/v.sql", """
            DROP MATERIALIZED VIEW IF EXISTS demo.mv;
            CREATE MATERIALIZED VIEW demo.mv AS SELECT 1 AS one;
        """),
    ]
    found = {rel: [o.describe() for o in objs] for rel, objs in objects.created_objects(files).items()}
    assert found == {
        "schema/demo/0001_a.sql": ["table demo.kept", 'table demo."Quoted"', "function demo.f(integer, text)"],
        "schema/demo/0002_b.sql": [],
        "views/demo/v.sql": ["materialized view demo.mv"],
    }


def test_a_table_a_routine_moves_is_expected_in_either_schema():
    files = [
        rendered("schema/demo/0001_a.sql", "CREATE TABLE demo.v1 (id integer);\nCREATE TABLE demo.kept (id integer);"),
        rendered("functions/demo/f.sql", """
            CREATE OR REPLACE FUNCTION demo.archive() RETURNS void LANGUAGE plpgsql AS $$
            BEGIN ALTER TABLE demo.v1 SET SCHEMA demo_archive; END $$;
        """),
    ]
    tables = {o.name: o.moved_to for o in objects.created_objects(files)["schema/demo/0001_a.sql"]}
    assert tables == {"demo.v1": "demo_archive.v1", "demo.kept": None}


def test_status_after_the_memory_migration_archived_v1(database):
    dbctl("migrate", "--module", "memory", dsn=database, check=True)
    query(database, "SELECT memory.start_messages_v2()")
    query(database, "SELECT memory.finish_messages_v2()")
    assert query(database, "SELECT to_regclass('memory.chat_messages'), "
                           "to_regclass('memory_archive.chat_messages') IS NOT NULL") == [(None, True)]
    result = dbctl("status", dsn=database)
    assert result.returncode == 0 and "chat_messages" not in result.stderr, result.stderr
    query(database, "DROP TABLE memory_archive.chat_messages")  # gone from both places: reported
    result = dbctl("status", dsn=database)
    assert result.returncode == 1
    assert "schema/memory/0002_directory.sql: missing object table memory.chat_messages" in result.stderr


def test_progress_writes_one_line_per_phase_when_not_a_terminal(monkeypatch):
    log = io.StringIO()
    monkeypatch.setattr("sys.stderr", log)
    for done in range(0, 101, 10):
        common.progress("phase one", done, 100)
    common.progress("phase two", 5, 5)
    assert "\r" not in log.getvalue()
    assert log.getvalue().splitlines() == ["  phase one: 100 done", "  phase two: 5 done"]


def test_progress_draws_frames_on_a_terminal(monkeypatch):
    class Terminal(io.StringIO):
        def isatty(self):
            return True

    screen = Terminal()
    monkeypatch.setattr("sys.stderr", screen)
    for done in (1, 2):
        common.progress("phase", done, 2)
    assert screen.getvalue().count("\r") == 2 and screen.getvalue().endswith("2/2\n")


def test_migrate_of_a_module_without_sql_files_says_so_and_fails(database, scratch_project):
    result = dbctl("migrate", "--module", "demo", dsn=database, project=scratch_project)
    assert result.returncode == 1
    assert "module demo is declared in manifest.toml but has no migration files" in result.stderr
    assert query(database, "SELECT to_regclass('core.migration_ledger')") == [(None,)]  # nothing applied
    assert dbctl("migrate", dsn=database, project=scratch_project).returncode == 0  # all modules: fine


def test_test_of_a_module_without_tests_says_so_and_fails(scratch_project):
    (scratch_project / "tests" / "demo").mkdir(parents=True)
    (scratch_project / "tests" / "demo" / "helpers.sql").write_text("SELECT 1;\n")
    result = dbctl("test", "--module", "demo", project=scratch_project)
    assert result.returncode == 1
    assert "module demo is declared in manifest.toml but has no pgTAP test files (in tests/demo/)" \
        in result.stderr


def test_pgspot_findings_name_file_and_line_and_are_accepted_only_with_a_reason(scratch_project):
    (scratch_project / "functions" / "demo").mkdir(parents=True)
    (scratch_project / "functions" / "demo" / "f.sql").write_text(
        "-- a definer function without a pinned search_path\n\n"
        "CREATE FUNCTION demo.f() RETURNS integer LANGUAGE sql SECURITY DEFINER AS 'SELECT 1';\n")
    findings = [f for f in pgspot_findings(Project(scratch_project)) if f.file == "functions/demo/f.sql"]
    assert [(f.line, f.code) for f in findings] == [(3, "PS003")], findings
    config = scratch_project / ".pgspot.toml"
    config.write_text('[[accept]]\ncode = "PS003"\nfiles = ["functions/demo/*.sql"]\ncontains = "demo.f("\n'
                      'reason = "a test of the mechanism"\n')
    assert accepted(findings[0], pgspot_acceptances(Project(scratch_project)))
    config.write_text('[[accept]]\ncode = "PS003"\nfiles = ["functions/demo/*.sql"]\n')
    with pytest.raises(DbctlError, match="needs code, files and a reason"):
        pgspot_acceptances(Project(scratch_project))


def test_status_shows_monitoring_alerts_and_a_query_running_too_long(database):
    """A second connection is held waiting on an advisory lock (active, not sleeping); the alert is
    asked for at a p_now past the threshold, so nothing depends on how long the test takes."""
    dbctl("migrate", "--module", "core", dsn=database, check=True)
    status = dbctl("status", dsn=database, check=True)
    assert "monitoring alerts" in status.stdout and "slow statements are not tracked" in status.stdout

    with psycopg.connect(database, autocommit=True) as holder, psycopg.connect(database, autocommit=True) as waiter:
        holder.execute("SELECT pg_advisory_lock(4242)")
        pid = waiter.info.backend_pid
        thread = threading.Thread(target=waiter.execute, args=("SELECT pg_advisory_lock(4242) /* waiting */",))
        thread.start()
        try:
            while not holder.execute("SELECT wait_event_type = 'Lock' FROM pg_stat_activity WHERE pid = %s",
                                     (pid,)).fetchone()[0]:
                pass  # until the waiter is blocked on the lock
            alerts = holder.execute(
                "SELECT kind, target, message FROM core.monitoring_alerts(clock_timestamp() + interval '1 minute') "
                "WHERE kind = 'running query'").fetchall()
        finally:
            holder.execute("SELECT pg_advisory_unlock(4242)")
            thread.join()
    mine = [message for _, target, message in alerts if target.startswith(f"pid {pid} ")]
    assert len(mine) == 1 and "/* waiting */" in mine[0], alerts


def test_catalog_check_is_conservative_about_names_it_cannot_resolve(database):
    dbctl("migrate", "--module", "core", dsn=database, check=True)
    unresolved_type = objects.CatalogObject("function", "core.uuidv7", ("nosuchtype",))  # same name and arity
    gone = objects.CatalogObject("function", "core.nope", ("integer",))
    present = objects.CatalogObject("view", "core.monitoring_alerts")
    with psycopg.connect(database, autocommit=True) as conn:
        assert objects.missing(conn, [unresolved_type, gone, present]) == [gone]
