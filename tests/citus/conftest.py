"""The Citus cluster tests (`make test-citus`): one three-node cluster on 127.0.0.1 for the session,
set up as docs/scale-out.md tells a DBA to, migrated by dbctl, distributed by `dbctl render --citus`
run through psql by a deployer; the tests then act as the application, the reporting role, the
maintenance role and the background agents, each logged in with its own password.

The Citus build comes from ../shared/citus beside the repository (or AGENTDB_CITUS_DIR). Without it
the run stops with a message and a non-zero exit, unless AGENTDB_SKIP_CITUS=1 (then it says the
cluster tests were not run, and exits 0).
"""

import os
import secrets
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from agentdb.citus_cluster import (  # noqa: E402
    SKIP_VARIABLE, CitusCluster, citus_build, missing_build_message)
from agentdb.connection import libpq_environment  # noqa: E402

# The roles of manifest.toml (defaults), and the deployer: a login that is a member of the owner role.
OWNER, APP, READONLY, MAINTENANCE, AGENTS = (
    "agentdb_owner", "agentdb_app", "agentdb_readonly", "agentdb_maintenance", "bg_agents_user")
DEPLOYER = "citus_deployer"
ROLES = (OWNER, APP, READONLY, MAINTENANCE, AGENTS, DEPLOYER)


def pytest_sessionstart(session):
    if citus_build(ROOT) is not None:
        return
    message = missing_build_message(ROOT)
    if os.environ.get(SKIP_VARIABLE) == "1":
        pytest.exit(f"the Citus cluster tests were NOT run ({SKIP_VARIABLE}=1): {message}", returncode=0)
    pytest.exit(message, returncode=1)


def dbctl(*args, dsn=None, check=True, project=None):
    command = [sys.executable, str(ROOT / "dbctl.py")]
    if project is not None:
        command += ["--project", str(project)]
    command += [*args, *(["--dsn", dsn] if dsn else [])]
    result = subprocess.run(command, capture_output=True, text=True)
    if check and result.returncode != 0:
        raise AssertionError(f"dbctl {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result


@dataclass
class Deployment:
    cluster: CitusCluster
    passwords: dict = field(default_factory=dict)
    script: str = ""

    def dsn(self, role: str | None = None, node=None) -> str:
        node = node or self.cluster.coordinator
        if role is None:
            return self.cluster.superuser_dsn(node)
        return node.dsn(self.passwords[role], user=role)

    def connect(self, role: str | None = None, autocommit=True, node=None) -> psycopg.Connection:
        return psycopg.connect(self.dsn(role, node), autocommit=autocommit)

    def psql(self, role: str | None, sql: str, check=True) -> subprocess.CompletedProcess:
        """sql through psql -v ON_ERROR_STOP=1, as a DBA or deployer would run it."""
        result = subprocess.run([self.cluster.psql(), "-X", "-q", "-v", "ON_ERROR_STOP=1"], input=sql,
                                capture_output=True, text=True, env=libpq_environment(self.dsn(role)))
        if check and result.returncode != 0:
            raise AssertionError(f"psql as {role or 'the superuser'} failed:\n{result.stderr}")
        return result


def prepare_roles(deployment: Deployment) -> None:
    """The DBA's roles step (docs/scale-out.md): every role that Citus connects to the workers as logs
    in with a password, and every node knows the password (pg_dist_authinfo, nodeid 0 = any node)."""
    cluster = deployment.cluster
    with deployment.connect() as conn:
        for role in ROLES:
            password = deployment.passwords.setdefault(role, secrets.token_urlsafe(18))
            conn.execute(f"CREATE ROLE {role} LOGIN PASSWORD '{password}'")  # Citus copies it to every node
        conn.execute(f"GRANT {OWNER} TO {DEPLOYER}")
    for node in cluster.nodes:
        with deployment.connect(node=node) as conn:
            for role in ROLES:
                cluster.add_authinfo(conn, role, deployment.passwords[role])


@pytest.fixture(scope="session")
def deployment():
    """The cluster, its roles and settings, every module migrated and distributed."""
    cluster = CitusCluster(ROOT, citus_build(ROOT)).up()
    try:
        deployment = Deployment(cluster)
        prepare_roles(deployment)
        deployment.psql(None, """
            -- docs/scale-out.md, the coordinator's database settings
            ALTER DATABASE agentdb SET citus.enable_unsafe_triggers = on;
            ALTER DATABASE agentdb SET citus.propagate_set_commands = 'local';
        """)
        dbctl("migrate", dsn=deployment.dsn())  # the first migration, as the DBA: extensions, schemas
        deployment.script = dbctl("render", "--citus", dsn=deployment.dsn(DEPLOYER)).stdout
        deployment.psql(DEPLOYER, deployment.script)
        yield deployment
    finally:
        cluster.down(wipe=True)


@pytest.fixture
def app(deployment):
    with deployment.connect(APP) as conn:
        yield conn


def single_shard(conn: psycopg.Connection, sql: str, params=None):
    """Run sql with Citus told to refuse any statement that would run on more than one shard
    (citus.multi_task_query_log_level = error), inside and outside functions; return its rows."""
    with conn.transaction():
        conn.execute("SET LOCAL citus.multi_task_query_log_level = 'error'")
        cursor = conn.execute(sql, params)
        return cursor.fetchall() if cursor.description else []


def task_count(conn: psycopg.Connection, sql: str, params=None) -> int:
    """The number of shard tasks Citus plans for sql (EXPLAIN), summed over its distributed scans."""
    plan = conn.execute("EXPLAIN (FORMAT JSON) " + sql, params).fetchone()[0]

    def walk(node):
        count = node.get("Distributed Query", {}).get("Job", {}).get("Task Count", 0)
        for child in node.get("Plans", []):
            count += walk(child)
        for sub in node.get("Distributed Query", {}).get("Job", {}).get("Tasks", []):
            for remote in sub.get("Remote Plan", []):
                count += walk(remote[0]["Plan"]) if isinstance(remote, list) else 0
        return count

    return walk(plan[0]["Plan"])
