"""dbctl migrate / verify / status on a real server: ledger, drift, failures, no-transaction files."""

import subprocess
import sys

from conftest import ROOT, dbctl, ledger_files, query


def migration_file_count(root=ROOT):
    kinds = ("schema", "functions", "partitions", "retention", "views")
    return sum(1 for k in kinds for _ in (root / k).glob("*/*.sql"))


def test_empty_database_gets_everything_then_nothing(database):
    first = dbctl("migrate", dsn=database, check=True)
    expected = migration_file_count()
    assert f"applied {expected} files" in first.stdout
    assert len(ledger_files(database)) == expected

    second = dbctl("migrate", dsn=database, check=True)
    assert "nothing to apply: the database is up to date" in second.stdout
    assert len(ledger_files(database)) == expected
    status = dbctl("status", dsn=database, check=True)
    assert f"{expected} applied" in status.stdout


def test_dry_run_changes_nothing(database):
    result = dbctl("migrate", "--dry-run", dsn=database, check=True)
    assert "would apply schema/core/0001_ledger.sql" in result.stdout
    assert query(database, "SELECT to_regclass('core.migration_ledger')") == [(None,)]


def test_edited_versioned_file_is_drift_and_nothing_applies(database, scratch_project):
    demo = scratch_project / "schema" / "demo"
    (demo / "0001_first.sql").write_text("CREATE TABLE public.first (id int);\n")
    dbctl("migrate", dsn=database, project=scratch_project, check=True)

    (demo / "0001_first.sql").write_text("CREATE TABLE public.first (id bigint);\n")
    (demo / "0002_second.sql").write_text("CREATE TABLE public.second (id int);\n")
    result = dbctl("migrate", dsn=database, project=scratch_project)
    assert result.returncode == 1
    assert "schema/demo/0001_first.sql" in result.stderr
    assert "different checksum" in result.stderr
    assert "schema/demo/0002_second.sql" not in ledger_files(database)
    assert query(database, "SELECT to_regclass('public.second')") == [(None,)]

    verify = dbctl("verify", dsn=database, project=scratch_project)
    assert verify.returncode == 1
    assert "schema/demo/0001_first.sql" in verify.stderr
    status = dbctl("status", dsn=database, project=scratch_project)
    assert status.returncode == 1 and "drifted" in status.stdout


def test_deleted_or_late_versioned_file_is_refused(database, scratch_project):
    demo = scratch_project / "schema" / "demo"
    (demo / "0002_b.sql").write_text("CREATE TABLE public.b (id int);\n")
    dbctl("migrate", dsn=database, project=scratch_project, check=True)
    (demo / "0001_a.sql").write_text("CREATE TABLE public.a (id int);\n")
    late = dbctl("migrate", dsn=database, project=scratch_project)
    assert late.returncode == 1 and "schema/demo/0001_a.sql" in late.stderr
    assert "older than a version already applied" in late.stderr

    (demo / "0001_a.sql").unlink()
    (demo / "0002_b.sql").unlink()
    gone = dbctl("verify", dsn=database, project=scratch_project)
    assert gone.returncode == 1 and "schema/demo/0002_b.sql" in gone.stderr
    assert "file is gone" in gone.stderr


def test_error_mid_file_rolls_back_that_file_only(database, scratch_project):
    demo = scratch_project / "schema" / "demo"
    (demo / "0001_good.sql").write_text("CREATE TABLE public.good (id int);\n")
    broken = (
        "-- a file that fails half way\n"
        "CREATE TABLE public.half (id int);\n"
        "INSERT INTO public.half VALUES (1);\n"
        "\n"
        "SELECT 1 / (SELECT count(*) - 1 FROM public.half);\n"
    )
    (demo / "0002_broken.sql").write_text(broken)
    (demo / "0003_after.sql").write_text("CREATE TABLE public.after (id int);\n")

    result = dbctl("migrate", dsn=database, project=scratch_project)
    assert result.returncode == 1
    assert "schema/demo/0002_broken.sql:5" in result.stderr
    assert "22012" in result.stderr and "division by zero" in result.stderr
    assert "Traceback" not in result.stderr
    files = ledger_files(database)
    assert "schema/demo/0001_good.sql" in files
    assert "schema/demo/0002_broken.sql" not in files
    assert "schema/demo/0003_after.sql" not in files
    assert query(database, "SELECT to_regclass('public.good') IS NOT NULL, "
                           "to_regclass('public.half') IS NULL, "
                           "to_regclass('public.after') IS NULL") == [(True, True, True)]

    (demo / "0002_broken.sql").write_text(broken.replace("- 1 FROM", "FROM"))
    dbctl("migrate", dsn=database, project=scratch_project, check=True)
    assert {"schema/demo/0002_broken.sql", "schema/demo/0003_after.sql"} <= set(ledger_files(database))


def test_syntax_error_reports_its_line(database, scratch_project):
    (scratch_project / "schema" / "demo" / "0001_typo.sql").write_text(
        "CREATE TABLE public.ok (id int);\n\nCREATE TABLE public.bad (\n  id int,\n  oops oops oops\n);\n"
    )
    result = dbctl("migrate", dsn=database, project=scratch_project)
    assert result.returncode == 1
    assert "schema/demo/0001_typo.sql:5" in result.stderr
    assert "42601" in result.stderr


def test_no_transaction_file_creates_index_concurrently(database, scratch_project):
    demo = scratch_project / "schema" / "demo"
    (demo / "0001_table.sql").write_text(
        "CREATE TABLE public.big AS SELECT g AS id FROM generate_series(1, 1000) AS g;\n"
    )
    (demo / "0002_index.sql").write_text(
        "-- dbctl:no-transaction\n"
        "CREATE INDEX CONCURRENTLY IF NOT EXISTS big_id ON public.big (id);\n"
    )
    dbctl("migrate", dsn=database, project=scratch_project, check=True)
    assert query(database, "SELECT indisvalid FROM pg_index WHERE indexrelid = 'public.big_id'::regclass") == [(True,)]
    assert "schema/demo/0002_index.sql" in ledger_files(database)


def test_changed_repeatable_file_is_applied_again(database, scratch_project):
    functions = scratch_project / "functions" / "demo"
    functions.mkdir(parents=True)
    body = "CREATE OR REPLACE FUNCTION public.answer() RETURNS int LANGUAGE sql AS $$ SELECT {} $$;\n"
    (functions / "answer.sql").write_text(body.format(41))
    dbctl("migrate", dsn=database, project=scratch_project, check=True)
    (functions / "answer.sql").write_text(body.format(42))
    assert "changed" in dbctl("status", dsn=database, project=scratch_project, check=True).stdout
    result = dbctl("migrate", dsn=database, project=scratch_project, check=True)
    assert "applied functions/demo/answer.sql" in result.stdout
    assert query(database, "SELECT public.answer()") == [(42,)]
    assert ledger_files(database).count("functions/demo/answer.sql") == 2


def test_eight_concurrent_migrations_apply_each_file_once(database):
    command = [sys.executable, str(ROOT / "dbctl.py"), "migrate", "--dsn", database]
    runs = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for _ in range(8)]
    outcomes = [(run.wait(timeout=120), *run.communicate()) for run in runs]
    assert [code for code, _, _ in outcomes] == [0] * 8, outcomes
    files = ledger_files(database)
    assert len(files) == migration_file_count() == len(set(files))
    assert sum("nothing to apply" in out for _, out, _ in outcomes) == 7


def test_seed_needs_a_migrated_database_and_loads_once(database, scratch_project):
    (scratch_project / "schema" / "demo" / "0001_t.sql").write_text(
        "CREATE TABLE public.story (name text PRIMARY KEY);\n")
    seeds = scratch_project / "seeds" / "demo"
    seeds.mkdir(parents=True)
    (seeds / "story.sql").write_text(
        "INSERT INTO public.story VALUES ('ancient doctor') ON CONFLICT (name) DO NOTHING;\n")
    early = dbctl("seed", "--module", "demo", dsn=database, project=scratch_project)
    assert early.returncode == 1 and "run dbctl migrate first" in early.stderr
    dbctl("migrate", dsn=database, project=scratch_project, check=True)
    for _ in range(2):
        result = dbctl("seed", "--module", "demo", dsn=database, project=scratch_project, check=True)
        assert "seeded seeds/demo/story.sql" in result.stdout
    assert query(database, "SELECT count(*) FROM public.story") == [(1,)]


def test_films_story_seeds_once(database):
    dbctl("migrate", "--module", "films", dsn=database, check=True)
    counts = "SELECT (SELECT count(*) FROM films.sessions), (SELECT count(*) FROM films.events), " \
             "(SELECT count(*) FROM films.film_projects), (SELECT count(*) FROM films.agent_transfers)"
    dbctl("seed", "--module", "films", dsn=database, check=True)
    first = query(database, counts)
    dbctl("seed", "--module", "films", dsn=database, check=True)
    assert query(database, counts) == first == [(1, 12, 1, 4)]
