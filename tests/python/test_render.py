"""dbctl render: a psql script equivalent to migrate; templates and variables."""

import subprocess

from conftest import ROOT, dbctl, ledger_files, query
from agentdb.connection import libpq_environment
from agentdb.server import wheel_install_dir

BIN = wheel_install_dir() / "bin"


def schema_dump(dsn):
    """The schema with its owners and privileges: the psql path must hand objects to the same roles."""
    result = subprocess.run([str(BIN / "pg_dump"), "--schema-only"],
                            capture_output=True, text=True, check=True, env=libpq_environment(dsn))
    # pg_dump 18 brackets its output with a random \restrict key: not part of the schema.
    return [line for line in result.stdout.splitlines() if not line.startswith(("\\restrict", "\\unrestrict"))]


def test_render_into_psql_equals_migrate(new_database):
    by_psql, by_migrate = new_database(), new_database()
    script = dbctl("render", check=True).stdout
    psql = subprocess.run([str(BIN / "psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1"], input=script,
                          capture_output=True, text=True, env=libpq_environment(by_psql))
    assert psql.returncode == 0, psql.stderr
    dbctl("migrate", dsn=by_migrate, check=True)

    assert schema_dump(by_psql) == schema_dump(by_migrate)
    assert ledger_files(by_psql) == ledger_files(by_migrate)
    again = dbctl("migrate", dsn=by_psql, check=True)
    assert "nothing to apply" in again.stdout


def test_render_pending_only_renders_what_is_missing(database, scratch_project):
    demo = scratch_project / "schema" / "demo"
    (demo / "0001_a.sql").write_text("CREATE TABLE public.a (id int);\n")
    dbctl("migrate", dsn=database, project=scratch_project, check=True)
    (demo / "0002_b.sql").write_text("CREATE TABLE public.b (id int);\n")
    script = dbctl("render", "--pending", dsn=database, project=scratch_project, check=True).stdout
    assert "schema/demo/0002_b.sql" in script
    assert "schema/demo/0001_a.sql" not in script and "schema/core/" not in script


def test_unknown_variable_names_variable_and_file(database, scratch_project):
    demo = scratch_project / "schema" / "demo"
    (demo / "0001_fine.sql").write_text("CREATE TABLE public.fine (id int);\n")
    (demo / "0002_vars.sql").write_text("-- uses a variable\nCREATE TABLE public.{{ no_such_var }} (id int);\n")
    result = dbctl("migrate", dsn=database, project=scratch_project)
    assert result.returncode == 1
    assert "schema/demo/0002_vars.sql:2" in result.stderr and "no_such_var" in result.stderr
    assert query(database, "SELECT to_regclass('core.migration_ledger')") == [(None,)], \
        "a template error must stop the run before anything is applied"


def test_set_and_environment_override_defaults(database, scratch_project):
    manifest = scratch_project / "manifest.toml"
    manifest.write_text(manifest.read_text() + '\n[variables.table_name]\ntype = "identifier"\ndefault = "plain"\n')
    (scratch_project / "schema" / "demo" / "0001_t.sql").write_text("CREATE TABLE public.{{ table_name }} (id int);\n")

    rendered = dbctl("render", project=scratch_project, env={"AGENTDB_TABLE_NAME": "from_env"}, check=True)
    assert "CREATE TABLE public.from_env" in rendered.stdout
    dbctl("migrate", "--set", "table_name=from_set", dsn=database, project=scratch_project,
          env={"AGENTDB_TABLE_NAME": "from_env"}, check=True)
    assert query(database, "SELECT to_regclass('public.from_set') IS NOT NULL") == [(True,)]

    unknown = dbctl("render", "--set", "tabel_name=x", project=scratch_project)
    assert unknown.returncode == 1 and "tabel_name" in unknown.stderr
    unsafe = dbctl("render", "--set", "table_name=x; DROP TABLE y", project=scratch_project)
    assert unsafe.returncode == 1 and "not a plain SQL identifier" in unsafe.stderr


def test_file_outside_the_manifest_rules_is_refused(scratch_project):
    stray = scratch_project / "schema" / "nomodule"
    stray.mkdir()
    (stray / "0001_x.sql").write_text("SELECT 1;\n")
    result = dbctl("render", project=scratch_project)
    assert result.returncode == 1 and "schema/nomodule/0001_x.sql" in result.stderr
    stray.joinpath("0001_x.sql").unlink()
    stray.rmdir()
    (scratch_project / "schema" / "demo" / "first.sql").write_text("SELECT 1;\n")
    misnamed = dbctl("render", project=scratch_project)
    assert misnamed.returncode == 1 and "schema/demo/first.sql" in misnamed.stderr


def test_missing_extension_is_refused_before_anything_applies(database, scratch_project):
    manifest = scratch_project / "manifest.toml"
    manifest.write_text(manifest.read_text().replace('name = "demo"\nrequires = ["core"]\nextensions = []',
                                                     'name = "demo"\nrequires = ["core"]\nextensions = ["no_such_ext"]'))
    result = dbctl("migrate", dsn=database, project=scratch_project)
    assert result.returncode == 1
    assert "module demo needs extension no_such_ext" in result.stderr
    assert query(database, "SELECT to_regclass('core.migration_ledger')") == [(None,)]
    core_only = dbctl("migrate", "--module", "core", dsn=database, project=scratch_project)
    assert core_only.returncode == 0, core_only.stderr


def test_every_created_extension_is_declared_in_the_manifest():
    import re
    from agentdb.project import Project
    project = Project(ROOT)
    for module in project.modules():
        declared = set(module.extensions)
        for rf in project.migration_files([module]):
            for name in re.findall(r"CREATE EXTENSION IF NOT EXISTS (\w+)", rf.sql, re.IGNORECASE):
                assert name in declared, f"{rf.source.rel} creates {name}, not declared for {module.name}"


def test_new_creates_the_next_versioned_file(scratch_project):
    (scratch_project / "schema" / "demo" / "0001_a.sql").write_text("SELECT 1;\n")
    result = dbctl("new", "demo", "add_things", project=scratch_project, check=True)
    assert result.stdout.strip() == "schema/demo/0002_add_things.sql"
    assert (scratch_project / "schema/demo/0002_add_things.sql").read_text().startswith("-- demo:")
    bad = dbctl("new", "demo", "Bad Name", project=scratch_project)
    assert bad.returncode == 1


def test_last_statement_without_semicolon_is_refused(scratch_project):
    (scratch_project / "schema" / "demo" / "0001_open.sql").write_text("SELECT 1;\n\nSELECT 2\n")
    result = dbctl("render", project=scratch_project)
    assert result.returncode == 1
    assert "schema/demo/0001_open.sql:3: the last statement has no terminating semicolon" in result.stderr
