"""`dbctl render --citus`: the Citus distribution script, read from core.distribution_plan.

Each module plans its tables with core.register_distribution() (partitions/<module>/distribution.sql);
a migrated database therefore knows the plan, and core.distribution_problems() knows whether the
keys allow it. docs/scale-out.md says where and when to run the script, and what it needs.

The order, as a real cluster accepts it. Making a reference table turns every still-local table
linked to it by foreign keys (directly or through other tables) into a Citus local table: Citus
renames the table into its shard behind a new shell (so every regclass that pointed at it, like
core.distribution_plan's, now names the shard), and it fails for a partitioned table with a CHECK
constraint (films.events, through films.sessions -> films.users). So no table may be linked to a
reference table while the script runs: it first drops every foreign key that points at a reference
table; then makes the reference tables, the leaders of the co-location groups, and the tables
co-located with them (a table after those its keys point at); then adds the dropped keys again, with
their definitions as the catalog had them, except those from tables that stay local (which Citus
cannot keep; the script lists them). All in one transaction: a failure leaves the database as it was.
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

# Foreign keys to a planned reference table (on a partitioned parent only: its partitions inherit
# them), with their definitions and the plan of the table they are on.
DETACHED_KEYS_QUERY = """
SELECT k.conrelid::regclass::text, k.conname::text, pg_catalog.pg_get_constraintdef(k.oid),
       coalesce(d.kind, 'local'), k.confrelid::regclass::text
FROM pg_catalog.pg_constraint AS k
JOIN core.distribution_plan AS r ON r.relation = k.confrelid AND r.kind = 'reference'
LEFT JOIN core.distribution_plan AS d ON d.relation = k.conrelid
WHERE k.contype = 'f' AND k.conparentid = 0
ORDER BY 1, 2
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


@dataclass(frozen=True)
class ForeignKey:
    relation: str
    name: str
    definition: str
    kind: str  # the plan of the table the key is on
    target: str  # the referenced table


def read_detached_keys(conn) -> list[ForeignKey]:
    with conn.transaction():
        # Qualified names in the definitions, whatever the session's search_path.
        conn.execute("SELECT pg_catalog.set_config('search_path', 'pg_catalog', true)")
        return [ForeignKey(*r) for r in conn.execute(DETACHED_KEYS_QUERY).fetchall()]


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


def script(tables: list[PlannedTable], schemas: list[str], database: str,
           keys: list[ForeignKey] = (), owner: str = "agentdb_owner") -> str:
    """The psql script for the tables of these schemas (module names)."""
    selected = [t for t in tables if t.schema in schemas]
    references = {t.relation for t in selected if t.kind == "reference"}
    detached = [k for k in keys if k.target in references]
    kept = [k for k in detached if k.kind != "local"]
    lost = [k for k in detached if k.kind == "local"]
    lines = [
        f"-- agentdb on Citus: {', '.join(schemas)}, as planned in core.distribution_plan of database {database}.",
        "-- Run once on the coordinator, after the cluster is built and dbctl migrate has run there",
        "-- (docs/scale-out.md): psql -v ON_ERROR_STOP=1 -f <this file>, as a member of the owner role.",
        "-- One transaction: if a step fails, nothing is distributed.",
        "",
        "-- As the owner of the tables, like every migration; Citus opens its connections to the workers",
        "-- as this role.",
        f"SET ROLE {owner};",
        "-- Citus distributes a table with triggers only when told they are fit for shards: each",
        "-- module's triggers read and write only their row's shard key (co-located tables) or",
        "-- reference tables (docs/scale-out.md, \"A cluster, step by step\", step 4).",
        "SET citus.enable_unsafe_triggers = on;",
        "BEGIN;",
        "-- One connection per node for the whole transaction: each step sees the tables made before it.",
        "SET LOCAL citus.multi_shard_modify_mode = 'sequential';",
    ]
    if detached:
        lines += ["", "-- 1. The foreign keys that point at reference tables, dropped for now: making a reference",
                  "-- table turns every still-local table linked to it by foreign keys into a Citus local table,",
                  "-- which renames the table and fails for a partitioned table with a CHECK constraint."]
        lines += [f"ALTER TABLE {k.relation} DROP CONSTRAINT {quote_ident_name(k.name)};" for k in detached]
    steps = {0: "2. Reference tables (copied to every node).",
             1: "3. The leaders of the co-location groups.",
             2: "4. The tables co-located with a leader, each after those its foreign keys point at."}
    current = None
    for t in ordered(selected):
        phase = 0 if t.kind == "reference" else (1 if t.colocate_with is None else 2)
        if phase != current:
            lines += ["", f"-- {steps[phase]}"]
            current = phase
        lines.append(f"-- {t.reason}" if "\n" not in t.reason else "-- " + " ".join(t.reason.split()))
        if t.kind == "reference":
            lines.append(f"SELECT create_reference_table({literal(t.relation)});")
        else:
            colocate = literal(t.colocate_with) if t.colocate_with else "'none'"
            note = "  -- partitioned: its partitions are distributed with it" if t.partitioned else ""
            lines.append(f"SELECT create_distributed_table({literal(t.relation)}, {literal(t.column)}, "
                         f"colocate_with => {colocate});{note}")
    if kept:
        lines += ["", "-- 5. The foreign keys of step 1 again, as they were (between reference tables, and from",
                  "-- distributed to reference tables)."]
        lines += [f"ALTER TABLE {k.relation} ADD CONSTRAINT {quote_ident_name(k.name)} {k.definition};"
                  for k in kept]
    if lost:
        lines += ["", "-- Not added again: Citus keeps a foreign key from a table on the coordinator to a reference",
                  "-- table only by making the local table a Citus table. The module's functions delete these rows",
                  "-- with their parents (docs/scale-out.md, \"What is still unsupported\"):"]
        lines += [f"--   {k.relation} {k.name}: {k.definition}" for k in lost]
    array = ", ".join(literal(schema) for schema in schemas)
    lines += ["", "-- 6. Every function of these schemas on every node, so that a statement Citus sends to a shard",
              "-- (with the functions it calls) finds them there, and later migrations replace them everywhere.",
              "-- Not those whose argument or result types are rows of tables that stay on the coordinator.",
              "SELECT count(create_distributed_function(p.oid::regprocedure)) AS functions_on_every_node",
              "FROM pg_catalog.pg_proc AS p",
              f"WHERE p.pronamespace = ANY (ARRAY[{array}]::regnamespace[]) AND p.prokind IN ('f', 'p')",
              "  AND NOT EXISTS (SELECT FROM pg_dist_object AS o",
              "                  WHERE o.classid = 'pg_catalog.pg_proc'::regclass AND o.objid = p.oid)",
              "  AND NOT EXISTS (SELECT FROM pg_catalog.pg_depend AS d JOIN pg_catalog.pg_type AS t ON t.oid = d.refobjid",
              "                  WHERE d.classid = 'pg_catalog.pg_proc'::regclass AND d.objid = p.oid",
              "                    AND d.refclassid = 'pg_catalog.pg_type'::regclass AND t.typrelid <> 0",
              "                    AND t.typrelid NOT IN (SELECT logicalrelid FROM pg_dist_partition));"]
    lines += ["", "COMMIT;", "RESET ROLE;"]
    local = [t for t in selected if t.kind == "local"]
    if local:
        lines += ["", "-- Local tables stay on the coordinator (nothing to run):"]
        lines += [f"--   {t.relation}: {' '.join(t.reason.split())}" for t in local]
    return "\n".join(lines) + "\n"


def quote_ident_name(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def render(conn, schemas: list[str], owner: str = "agentdb_owner") -> str:
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
    return script(tables, schemas, conn.info.dbname, read_detached_keys(conn), owner)


# -- dbctl migrate on a Citus coordinator --------------------------------------------------------

def coordinator_problems(conn, variables: dict, all_modules: list[str], selected: list[str]) -> list[str]:
    """What a Citus coordinator's database lacks before dbctl may migrate it (docs/scale-out.md, the
    DBA's steps); empty where the citus extension is not installed. Citus opens its connections to
    the workers as the current role, so every role a migration or the application runs as (SET
    ROLE included, and the owner of every SECURITY DEFINER function) must log in there; a role the
    migration would create itself would be a NOLOGIN one."""
    if not conn.execute("SELECT EXISTS (SELECT FROM pg_catalog.pg_extension WHERE extname = 'citus')").fetchone()[0]:
        return []
    roles = [value for name, value in variables.items() if name.endswith("_role")
             and (name.split("_")[0] not in all_modules or name.split("_")[0] in selected)]
    found = dict(conn.execute("SELECT rolname::text, rolcanlogin FROM pg_catalog.pg_roles WHERE rolname = ANY (%s)",
                              (roles,)).fetchall())
    problems = [f"role {role} does not exist: create it with LOGIN and a password before migrating "
                f"(dbctl would create it NOLOGIN)" for role in roles if role not in found]
    problems += [f"role {role} cannot log in: ALTER ROLE {role} LOGIN PASSWORD '...'"
                 for role in roles if found.get(role) is False]
    settings = {"citus.enable_unsafe_triggers": "on", "citus.propagate_set_commands": "local"}
    for name, wanted in settings.items():
        value = conn.execute("SELECT pg_catalog.current_setting(%s, true)", (name,)).fetchone()[0]
        if value != wanted:
            problems.append(f"{name} is {value!r}: ALTER DATABASE {conn.info.dbname} SET {name} = '{wanted}' "
                            "(then reconnect)")
    return problems


def check_coordinator(conn, project, module_names) -> None:
    all_modules = [m.name for m in project.modules()]
    selected = [m.name for m in project.modules(module_names)]
    problems = coordinator_problems(conn, project.variables, all_modules, selected)
    if problems:
        raise DbctlError(
            "this database is a Citus coordinator and is not ready for dbctl migrate; nothing was applied "
            "(docs/scale-out.md, \"The DBA's steps\"):\n  " + "\n  ".join(problems)
            + "\nand store each role's password in pg_dist_authinfo on every node"
        )
