"""`dbctl render --citus`: the Citus distribution script, read from core.distribution_plan.

Each module plans its tables with core.register_distribution() (partitions/<module>/distribution.sql);
a migrated database therefore knows the plan, and core.distribution_problems() knows whether the
keys allow it. The script makes the reference tables first, then the leaders of the co-location
groups, then the tables co-located with them; within each step a table comes after the tables its
foreign keys point at, because Citus distributes a table only when what it references already is
a reference table or a co-located distributed table. docs/scale-out.md says where and when to run it.
"""

from dataclasses import dataclass

from agentdb.errors import DbctlError

PLAN_QUERY = """
SELECT d.relation::text, n.nspname::text, d.kind, d.distribution_column::text, d.colocate_with::text,
       d.reason, c.relkind = 'p',
       coalesce((SELECT array_agg(DISTINCT k.confrelid::regclass::text ORDER BY k.confrelid::regclass::text)
                 FROM pg_catalog.pg_constraint AS k
                 WHERE k.conrelid = d.relation AND k.contype = 'f' AND k.conparentid = 0
                   AND k.confrelid <> d.relation), '{}')
FROM core.distribution_plan AS d
JOIN pg_catalog.pg_class AS c ON c.oid = d.relation
JOIN pg_catalog.pg_namespace AS n ON n.oid = c.relnamespace
ORDER BY d.relation::text
"""

PROBLEMS_QUERY = """
SELECT coalesce(p.relation::text, '?'), p.problem, coalesce(p.object, ''), p.detail
FROM core.distribution_problems() AS p
ORDER BY 1, 2, 3
"""


@dataclass(frozen=True)
class PlannedTable:
    relation: str
    schema: str
    kind: str
    column: str | None
    colocate_with: str | None
    reason: str
    partitioned: bool
    references: tuple[str, ...]


def read_plan(conn) -> list[PlannedTable]:
    exists = conn.execute("SELECT pg_catalog.to_regclass('core.distribution_plan')").fetchone()[0]
    if exists is None:
        raise DbctlError("this database has no core.distribution_plan: run dbctl migrate first")
    return [PlannedTable(r[0], r[1], r[2], r[3], r[4], r[5], r[6], tuple(r[7]))
            for r in conn.execute(PLAN_QUERY).fetchall()]


def read_problems(conn) -> list[tuple[str, str, str, str]]:
    return conn.execute(PROBLEMS_QUERY).fetchall()


def ordered(tables: list[PlannedTable]) -> list[PlannedTable]:
    """Reference tables, then group leaders, then co-located tables; referenced tables first in each."""
    def step(t: PlannedTable) -> int:
        if t.kind == "reference":
            return 0
        return 1 if t.colocate_with is None else 2

    result, done = [], set()
    for phase in (0, 1, 2):
        pending = sorted((t for t in tables if t.kind != "local" and step(t) == phase),
                         key=lambda t: t.relation)
        while pending:
            ready = [t for t in pending
                     if all(r in done or r == t.relation or r not in {p.relation for p in pending}
                            for r in t.references)]
            if not ready:  # a cycle of foreign keys: Citus takes them in any order within a group
                ready = pending[:1]
            for t in ready:
                result.append(t)
                done.add(t.relation)
            pending = [t for t in pending if t.relation not in done]
    return result


def literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def script(tables: list[PlannedTable], schemas: list[str], database: str) -> str:
    """The psql script for the tables of these schemas (module names)."""
    selected = [t for t in tables if t.schema in schemas]
    lines = [
        f"-- agentdb on Citus: {', '.join(schemas)}, as planned in core.distribution_plan of database {database}.",
        "-- Run on the coordinator, connected as a member of the owner role, after CREATE EXTENSION citus",
        "-- and citus_add_node() for each worker (docs/scale-out.md). Reference tables first, then the",
        "-- co-location group leaders, then the tables co-located with them.",
        "",
    ]
    for t in ordered(selected):
        lines.append(f"-- {t.reason}" if "\n" not in t.reason else "-- " + " ".join(t.reason.split()))
        if t.kind == "reference":
            lines.append(f"SELECT create_reference_table({literal(t.relation)});")
        else:
            colocate = literal(t.colocate_with) if t.colocate_with else "'none'"
            note = "  -- partitioned: its partitions are distributed with it" if t.partitioned else ""
            lines.append(f"SELECT create_distributed_table({literal(t.relation)}, {literal(t.column)}, "
                         f"colocate_with => {colocate});{note}")
    local = [t for t in selected if t.kind == "local"]
    if local:
        lines += ["", "-- Local tables stay on the coordinator (nothing to run):"]
        lines += [f"--   {t.relation}: {' '.join(t.reason.split())}" for t in local]
    return "\n".join(lines) + "\n"


def render(conn, schemas: list[str]) -> str:
    """The script, or an error listing what the catalog check found (Citus would refuse those)."""
    tables = read_plan(conn)
    problems = [p for p in read_problems(conn) if p[0].split(".")[0] in schemas or p[0] == "?"]
    if problems:
        listed = "\n".join(f"  {rel}: {problem} {obj}".rstrip() for rel, problem, obj, _ in problems[:20])
        more = f"\n  ... and {len(problems) - 20} more" if len(problems) > 20 else ""
        raise DbctlError(
            "core.distribution_problems() reports what Citus would refuse; fix the keys or the plan "
            f"(partitions/<module>/distribution.sql) first:\n{listed}{more}"
        )
    return script(tables, schemas, conn.info.dbname)
