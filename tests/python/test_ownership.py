"""Ownership (DESIGN.md section 6) with real logins: any member of the owner role can migrate, every
module, once the cluster's roles exist; what only a superuser may do (create a missing role, change
a role's settings) is named with the exact SQL."""

import re
import shutil
import uuid
from types import SimpleNamespace

import psycopg
import pytest

from agentdb.connection import with_database
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
    for kind in ("schema", "functions", "partitions", "retention", "views", "released"):
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


# --- Migrating as a login that is only a member of the owner role (not superuser, no CREATEROLE) ---

MODULE_SCHEMAS = ("core", "films", "assistant", "background", "memory")
NOT_OWNED_BY_OWNER = """
SELECT count(*) FROM (
    SELECT c.relowner AS owner FROM pg_class AS c JOIN pg_namespace AS n ON n.oid = c.relnamespace
    WHERE n.nspname = ANY (%(schemas)s)
    UNION ALL
    SELECT p.proowner FROM pg_proc AS p JOIN pg_namespace AS n ON n.oid = p.pronamespace
    WHERE n.nspname = ANY (%(schemas)s)
) AS o
WHERE o.owner <> 'agentdb_owner'::regrole
"""
ROLE_SETTINGS = """
SELECT coalesce((SELECT setconfig FROM pg_db_role_setting
                 WHERE setdatabase = 0 AND setrole = (SELECT oid FROM pg_roles WHERE rolname = %s)), '{}')
"""


@pytest.fixture
def member(admin_dsn):
    """A login that is only a member of the owner role, databases it may create schemas in (as a DBA
    grants: CREATE on the database; the extension schema given to the owner role and the untrusted
    extension vector created in it), and roles made for the test; the databases are dropped before
    the roles, which have privileges in them."""
    login = f"member_{uuid.uuid4().hex[:8]}"
    made = {"databases": [], "roles": []}
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        conn.execute(f"CREATE ROLE {login} LOGIN PASSWORD 'secret' NOSUPERUSER NOCREATEROLE NOCREATEDB "
                     "IN ROLE agentdb_owner")

    def database():
        name = f"agentdb_pytest_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(admin_dsn, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
            conn.execute(f'GRANT CREATE ON DATABASE "{name}" TO {login}')
        made["databases"].append(name)
        admin = with_database(admin_dsn, name)
        with psycopg.connect(admin, autocommit=True) as conn:  # vector is not a trusted extension
            conn.execute("CREATE SCHEMA extensions AUTHORIZATION agentdb_owner")
            conn.execute("CREATE EXTENSION vector WITH SCHEMA extensions")
        return admin, as_login(admin, login)

    def role(name):
        made["roles"].append(name)
        return name

    yield SimpleNamespace(login=login, database=database, role=role)
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        for name in made["databases"]:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        for name in [*made["roles"], login]:
            conn.execute(f"DROP ROLE IF EXISTS {name}")


def test_a_member_migrates_every_module_where_another_database_made_the_roles(member, new_database):
    # Another database of the cluster, migrated by a superuser, made the roles (bg_agents_user and its
    # search_path included).
    dbctl("migrate", "--module", "background", dsn=new_database(), check=True)
    assert query(member.database()[0], ROLE_SETTINGS, ("bg_agents_user",)) == \
        [(["search_path=background, core, extensions"],)]

    admin, login = member.database()
    result = dbctl("migrate", dsn=login)
    assert result.returncode == 0, result.stdout + result.stderr
    assert ("functions/background/agents_role.sql: NOTICE: role bg_agents_user already has "
            "search_path = background, core, extensions; nothing to change") in result.stdout
    assert "skipping" not in result.stdout, "only what a file raises itself is printed, not the server's chatter"
    assert "nothing to apply" in dbctl("migrate", dsn=login, check=True).stdout
    dbctl("status", dsn=login, check=True)
    assert query(admin, NOT_OWNED_BY_OWNER, {"schemas": list(MODULE_SCHEMAS)}) == [(0,)]
    who = dict(query(admin, "SELECT file, applied_by FROM core.migration_ledger WHERE file IN (%s, %s)",
                     ("schema/background/0002_agents.sql", "functions/background/agents_role.sql")))
    assert who == {"schema/background/0002_agents.sql": "agentdb_owner",
                   "functions/background/agents_role.sql": member.login}, "only the role file runs as the login"


def test_a_member_is_told_exactly_what_a_superuser_must_run(member, admin_dsn):
    agents = member.role(f"bg_agents_{uuid.uuid4().hex[:8]}")
    role_set = ("--set", f"background_agents_role={agents}")
    admin, login = member.database()

    # The agents' role does not exist and the member may not create it.
    missing = dbctl("migrate", "--module", "background", *role_set, dsn=login)
    assert missing.returncode == 1
    assert f"schema/background/0001_schema.sql:" in missing.stderr
    assert f"role {agents} does not exist, and {member.login} may not create roles" in missing.stderr
    assert (f"A superuser runs once: CREATE ROLE {agents} NOLOGIN; "
            f"ALTER ROLE {agents} SET search_path = background, core, extensions;") in missing.stderr

    # A DBA made the role but not its search_path (and gave it a setting of its own, which stays).
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        conn.execute(f"CREATE ROLE {agents} NOLOGIN")
        conn.execute(f"ALTER ROLE {agents} SET statement_timeout = '5s'")
    differs = dbctl("migrate", "--module", "background", *role_set, dsn=login)
    assert differs.returncode == 1
    assert "functions/background/agents_role.sql:" in differs.stderr
    assert (f"role {agents} needs search_path = background, core, extensions (it has none), "
            f"and {member.login} may not change it") in differs.stderr
    hint = re.search(r"A superuser runs once: (.*?); then run the migration again", differs.stderr)
    assert hint and hint[1] == f"ALTER ROLE {agents} SET search_path = background, core, extensions"
    assert "schema/background/0007_agent_states.sql" in [r[0] for r in query(admin, "SELECT file FROM core.migration_ledger")]

    # The superuser runs what it was told; the member's next run finishes, changing nothing more.
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        conn.execute(hint[1])
    done = dbctl("migrate", "--module", "background", *role_set, dsn=login)
    assert done.returncode == 0, done.stderr
    assert f"NOTICE: role {agents} already has search_path = background, core, extensions" in done.stdout
    assert query(admin, ROLE_SETTINGS, (agents,)) == \
        [(["statement_timeout=5s", "search_path=background, core, extensions"],)]


def test_a_superuser_migration_creates_the_agents_role_and_sets_its_search_path(member, database):
    agents = member.role(f"bg_agents_{uuid.uuid4().hex[:8]}")
    result = dbctl("migrate", "--module", "background", "--set", f"background_agents_role={agents}", dsn=database)
    assert result.returncode == 0, result.stderr
    assert "agents_role.sql: NOTICE" not in result.stdout
    assert query(database, ROLE_SETTINGS, (agents,)) == [(["search_path=background, core, extensions"],)]
