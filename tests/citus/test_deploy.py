"""The deployment itself: every planned table is where core.distribution_plan says, the script ran
as a deployer (not a superuser), and later migrations still apply on the distributed database."""

import shutil

from conftest import DEPLOYER, OWNER, ROOT, dbctl

def test_every_planned_table_is_placed_as_planned(deployment):
    with deployment.connect() as conn:
        rows = conn.execute("""
            SELECT d.relation::text, d.kind, d.distribution_column::text, d.colocate_with::text,
                   p.partmethod, column_to_column_name(p.logicalrelid, p.partkey),
                   p.colocationid, lead.colocationid
            FROM core.distribution_plan AS d
            LEFT JOIN pg_dist_partition AS p ON p.logicalrelid = d.relation
            LEFT JOIN pg_dist_partition AS lead ON lead.logicalrelid = d.colocate_with
            ORDER BY 1""").fetchall()
        modules = {r[0] for r in conn.execute("SELECT DISTINCT module FROM core.migration_ledger")}
    assert {r[0].split(".")[0] for r in rows} == modules, "every migrated module has its tables planned"
    wrong = []
    for relation, kind, column, colocate, method, actual_column, group, lead_group in rows:
        if kind == "distributed":
            ok = method == "h" and actual_column == column and (colocate is None or group == lead_group)
        elif kind == "reference":
            ok = method == "n"
        else:
            ok = method is None
        if not ok:
            wrong.append((relation, kind, method, actual_column))
    assert wrong == []
    assert sum(r[1] == "distributed" for r in rows) >= 25 and sum(r[1] == "reference" for r in rows) >= 10


def test_the_script_runs_as_the_owner_in_one_transaction(deployment):
    script = deployment.script
    assert f"SET ROLE {OWNER};" in script and script.index("BEGIN;") < script.index("create_reference_table")
    assert script.rstrip().endswith("RESET ROLE;") or "COMMIT;" in script
    with deployment.connect() as conn:
        owners = conn.execute("""
            SELECT DISTINCT pg_get_userbyid(c.relowner) FROM pg_dist_partition AS p
            JOIN pg_class AS c ON c.oid = p.logicalrelid""").fetchall()
    assert owners == [(OWNER,)]


def test_a_deployer_applies_a_later_migration_on_the_cluster(deployment, tmp_path):
    """A changed repeatable file that (re)creates triggers on distributed tables, applied by a member
    of the owner role: it reaches the shards on the workers."""
    project = tmp_path / "project"
    project.mkdir()
    shutil.copy(ROOT / "manifest.toml", project)
    for kind in ("schema", "functions", "partitions", "retention", "views", "released"):
        shutil.copytree(ROOT / kind, project / kind)
    changed = project / "functions" / "background" / "agent_triggers.sql"
    changed.write_text(changed.read_text() + "\n-- a later release\n")
    result = dbctl("migrate", dsn=deployment.dsn(DEPLOYER), project=project)
    assert "applied functions/background/agent_triggers.sql" in result.stdout
    with deployment.connect() as conn:
        on_shards = conn.execute("""
            SELECT bool_and(success AND result::int > 0) FROM run_command_on_shards(
                'background.agent_heartbeats',
                $$SELECT count(*) FROM pg_trigger WHERE tgrelid = '%s'::regclass AND NOT tgisinternal$$)""").fetchone()[0]
    assert on_shards, "every shard of agent_heartbeats has its trigger"


def test_migrate_refuses_a_coordinator_whose_roles_cannot_log_in(deployment):
    """Before anything is applied (the migration used to stop half-way, at the first function Citus
    propagated as the owner): the role, and what to run."""
    with deployment.connect() as admin:
        admin.execute("ALTER ROLE agentdb_readonly NOLOGIN")
        try:
            result = dbctl("migrate", dsn=deployment.dsn(DEPLOYER), check=False)
        finally:
            admin.execute("ALTER ROLE agentdb_readonly LOGIN")
    assert result.returncode == 1
    assert "is a Citus coordinator and is not ready for dbctl migrate; nothing was applied" in result.stderr
    assert "role agentdb_readonly cannot log in: ALTER ROLE agentdb_readonly LOGIN" in result.stderr
    assert dbctl("migrate", dsn=deployment.dsn(DEPLOYER)).returncode == 0
