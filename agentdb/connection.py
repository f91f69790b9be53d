"""Which server dbctl talks to (--dsn, then DATABASE_URL, then the embedded server) and how."""

import os
import re
from pathlib import Path

import psycopg

from agentdb.errors import DbctlError
from agentdb.server import EmbeddedServer


def server_home(project_root: Path) -> Path:
    return Path(os.environ.get("AGENTDB_HOME", project_root / ".agentdb"))


def resolve_dsn(dsn: str | None, project_root: Path) -> str:
    if dsn:
        return dsn
    if os.environ.get("DATABASE_URL"):
        return os.environ["DATABASE_URL"]
    return EmbeddedServer(server_home(project_root)).up()


def redact(dsn: str) -> str:
    """The DSN without its password, for messages."""
    dsn = re.sub(r"(://[^:/@]*:)[^@]*@", r"\1***@", dsn)
    return re.sub(r"(password\s*=\s*)\S+", r"\1***", dsn)


def connect(dsn: str, autocommit: bool = True) -> psycopg.Connection:
    try:
        return psycopg.connect(dsn, autocommit=autocommit, connect_timeout=10)
    except psycopg.Error as exc:
        reason = str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__
        raise DbctlError(f"cannot connect to {redact(dsn)}: {reason}") from None


def with_database(dsn: str, database: str) -> str:
    """The same server and credentials, another database."""
    params = psycopg.conninfo.conninfo_to_dict(dsn)
    params["dbname"] = database
    return psycopg.conninfo.make_conninfo(**params)


def libpq_environment(dsn: str) -> dict:
    """PG* variables for client programs (psql, pg_prove, pg_dump), so no secret is on a command line."""
    names = {"host": "PGHOST", "port": "PGPORT", "user": "PGUSER", "password": "PGPASSWORD",
             "dbname": "PGDATABASE", "sslmode": "PGSSLMODE"}
    params = psycopg.conninfo.conninfo_to_dict(dsn)
    env = dict(os.environ)
    env.update({names[k]: str(v) for k, v in params.items() if k in names})
    return env
