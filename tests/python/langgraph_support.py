"""Shared by the LangGraph tests: databases with the langgraph module (and an empty one for
langgraph-checkpoint-postgres, the reference), connected as the application role."""

import uuid
from contextlib import contextmanager

import psycopg

from agentdb import migrate
from agentdb.connection import connect
from agentdb.project import Project
from conftest import ROOT


def app_dsn(dsn: str) -> str:
    """What a deployed application connects as: agentdb's application role (DML, no DDL)."""
    return psycopg.conninfo.make_conninfo(dsn, options="-c role=agentdb_app")


@contextmanager
def langgraph_databases(admin_dsn: str, prefix: str, overrides: dict | None = None):
    """Two fresh databases: `agentdb` with core + langgraph migrated, `postgres` empty (for
    PostgresSaver / PostgresStore, which make their own tables in setup()); dropped after."""
    names = {kind: f"agentdb_pytest_{prefix}_{kind}_{uuid.uuid4().hex[:8]}" for kind in ("agentdb", "postgres")}
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        for name in names.values():
            conn.execute(f'CREATE DATABASE "{name}"')
    dsns = {kind: psycopg.conninfo.make_conninfo(admin_dsn, dbname=name) for kind, name in names.items()}
    try:
        with connect(dsns["agentdb"]) as conn:
            migrate.migrate(Project(ROOT, overrides), conn, ("core", "langgraph"), echo=lambda _: None)
        with psycopg.connect(dsns["postgres"], autocommit=True) as conn:
            conn.execute("CREATE EXTENSION IF NOT EXISTS vector")
        yield dsns
    finally:
        with psycopg.connect(admin_dsn, autocommit=True) as conn:
            for name in names.values():
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
