"""The report's only way to the database: one REPEATABLE READ, READ ONLY transaction (a consistent
picture; any write is refused by the server), under the read-only role when it exists, so the page
shows what a reporting login sees and a login that is only a member of that role can build it."""

from contextlib import contextmanager

import psycopg
from psycopg import sql
from psycopg.rows import dict_row

from agentdb.errors import DbctlError


class Session:
    def __init__(self, conn: psycopg.Connection):
        self.conn = conn

    def rows(self, sql: str, params=None) -> list[dict]:
        with self.conn.cursor(row_factory=dict_row) as cur:
            cur.execute(sql, params)
            return cur.fetchall()

    def value(self, sql: str, params=None):
        row = self.conn.execute(sql, params).fetchone()
        return row[0] if row else None

    def exists(self, relation: str) -> bool:
        return bool(self.value("SELECT to_regclass(%s) IS NOT NULL", (relation,)))


@contextmanager
def read_only(conn: psycopg.Connection, readonly_role: str, statement_timeout: str = "60s"):
    """Yield a Session in a read-only transaction as `readonly_role` (when the role exists: core
    creates it); rolled back at the end, so nothing can be left behind."""
    conn.autocommit = True
    with conn.transaction(force_rollback=True):
        conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        conn.execute("SELECT set_config('statement_timeout', %s, true), set_config('TimeZone', 'UTC', true), "
                     "set_config('DateStyle', 'ISO, YMD', true)", (statement_timeout,))
        role = conn.execute("SELECT rolname, pg_has_role(current_user, oid, 'MEMBER') FROM pg_roles "
                            "WHERE rolname = %s", (readonly_role,)).fetchone()
        if role is not None:
            if not role[1]:
                login = conn.execute("SELECT current_user").fetchone()[0]
                raise DbctlError(f"dbctl report reads as {readonly_role}, and {login} is not a member of it: "
                                 f"GRANT {readonly_role} TO {login}")
            conn.execute(sql.SQL("SET LOCAL ROLE {}").format(sql.Identifier(readonly_role)))
        yield Session(conn)
