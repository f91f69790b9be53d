"""Ownership (DESIGN.md section 6) with real logins: any member of the owner role can migrate."""

import shutil
import uuid

import psycopg
import pytest

from conftest import ROOT, dbctl, query

OWNED_ELSEWHERE = """
SELECT count(*) FROM pg_class AS c JOIN pg_namespace AS n ON n.oid = c.relnamespace
WHERE n.nspname IN ('core', 'films') AND c.relowner <> 'agentdb_owner'::regrole
"""


@pytest.fixture
def member_logins(admin_dsn):
    """Two login roles, both members of the owner role (two deployers), dropped afterwards."""
    names = [f"deployer_{uuid.uuid4().hex[:8]}" for _ in range(2)]
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        for name in names:
            conn.execute(f"CREATE ROLE {name} LOGIN PASSWORD 'secret' IN ROLE agentdb_owner")
    yield names
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        for name in names:
            conn.execute(f"DROP ROLE {name}")


def as_login(dsn, name):
    params = psycopg.conninfo.conninfo_to_dict(dsn)
    params.update(user=name, password="secret")
    return psycopg.conninfo.make_conninfo(**params)


def copy_of_project(tmp_path):
    root = tmp_path / "project"
    root.mkdir()
    shutil.copy(ROOT / "manifest.toml", root)
    for kind in ("schema", "functions", "partitions", "retention", "views"):
        shutil.copytree(ROOT / kind, root / kind)
    return root


def test_two_member_logins_each_apply_a_changed_repeatable_file(database, member_logins, tmp_path):
    project = copy_of_project(tmp_path)
    dbctl("migrate", "--module", "films", dsn=database, project=project, check=True)  # as the superuser
    first, second = (as_login(database, name) for name in member_logins)
    changed_file = project / "functions" / "films" / "common_queries.sql"
    for login, edit in ((first, "-- first deployer's change"), (second, "-- second deployer's change")):
        changed_file.write_text(changed_file.read_text() + edit + "\n")
        result = dbctl("migrate", "--module", "films", dsn=login, project=project)
        assert result.returncode == 0, result.stderr
        assert "applied functions/films/common_queries.sql" in result.stdout

    assert query(database, OWNED_ELSEWHERE) == [(0,)]
    who = query(database, "SELECT DISTINCT applied_by FROM core.migration_ledger WHERE file = %s",
                ("functions/films/common_queries.sql",))
    assert who == [("agentdb_owner",)], "files are applied as the owner role, whoever connects"
    with psycopg.connect(second) as conn:
        conn.execute("SET ROLE agentdb_owner")
        assert conn.execute("SELECT count(*) FROM films.sessions").fetchone() == (0,)


def test_a_superuser_migration_leaves_nothing_to_the_superuser(database):
    dbctl("migrate", "--module", "films", dsn=database, check=True)
    assert query(database, OWNED_ELSEWHERE) == [(0,)]
    definers = query(database, """SELECT count(*) FROM pg_proc AS p JOIN pg_roles AS r ON r.oid = p.proowner
                                  WHERE p.prosecdef AND r.rolsuper""")
    assert definers == [(0,)]
