"""Every documented maintenance command, run by a login that is only a member of the maintenance
role (DESIGN.md section 6): cron's psql lines and dbctl maintain work on the real clock; moving the
clock ahead is refused."""

import uuid

import psycopg
import pytest

from conftest import dbctl

CRON_LINES = [
    "SELECT count(*) FROM core.run_maintenance()",
    "SELECT films.archive_old_sessions(90)",
    "SELECT * FROM films.delete_archived_data(180)",
    "SELECT * FROM films.drop_old_event_partitions(12)",
]


@pytest.fixture
def cron_login(admin_dsn):
    name = f"cron_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        conn.execute(f"CREATE ROLE {name} LOGIN PASSWORD 'secret' IN ROLE agentdb_maintenance")
    yield name
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        conn.execute(f"DROP ROLE {name}")


def as_login(dsn, name):
    params = psycopg.conninfo.conninfo_to_dict(dsn)
    params.update(user=name, password="secret")
    return psycopg.conninfo.make_conninfo(**params)


def test_documented_maintenance_commands_run_as_the_maintenance_role(database, cron_login):
    dbctl("migrate", "--module", "films", dsn=database, check=True)
    dbctl("seed", "--module", "films", dsn=database, check=True)
    login = as_login(database, cron_login)
    with psycopg.connect(login, autocommit=True) as conn:
        for line in CRON_LINES:
            conn.execute(line).fetchall()
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("SELECT count(*) FROM core.run_maintenance(now() + interval '5 years')")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("SELECT * FROM films.drop_old_event_partitions(12, now() + interval '5 years')")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("SELECT * FROM films.sessions")
    result = dbctl("maintain", dsn=login)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "failed" not in result.stdout
