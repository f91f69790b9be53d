"""Builds the page: reads everything in one read-only transaction, section by section, and returns
the HTML (dbctl report writes it to a file)."""

import psycopg

from agentdb import ledger
from agentdb.html_report import growth, maintenance, overview, partitions, plotly_js, query_health
from agentdb.html_report.context import Context
from agentdb.html_report.modules import assistant, background, films, memory
from agentdb.html_report.page import document
from agentdb.html_report.session import read_only
from agentdb.project import Project

MODULE_SECTIONS = {"films": films.section, "assistant": assistant.section, "background": background.section,
                   "memory": memory.section}
# What the core sections read; a database without them (core not migrated, or older) says so.
CORE_VIEWS = ("core.maintenance_health", "core.partition_timeline", "core.maintenance_runs", "core.table_growth")


def build_report(conn: psycopg.Connection, project: Project, module_names=(), days: int = 30) -> str:
    modules = project.modules(module_names)
    schemas = [m.name for m in modules]
    files = project.migration_files(modules)
    plotly, plotly_version = plotly_js.bundle()
    with read_only(conn, project.variables["readonly_role"]) as db:
        recorded = ledger.read(conn)
        entries = ledger.plan(files, recorded, set(schemas))
        migrated = {module for module, _ in recorded}
        ctx = Context(db=db, days=days, now=db.value("SELECT now()"), schemas=schemas, migrated=migrated,
                      core_ready=all(db.exists(v) for v in CORE_VIEWS))
        sections = [overview.section(ctx, entries), partitions.section(ctx), growth.section(ctx),
                    maintenance.section(ctx)]
        sections += [build(ctx) for name, build in MODULE_SECTIONS.items() if ctx.module_on(name)]
        sections.append(query_health.section(ctx))
        database = db.value("SELECT current_database()")
    title = f"agentdb report: {database}"
    meta = (f"{ctx.now:%Y-%m-%d %H:%M} UTC · {ctx.window} · modules: {', '.join(schemas)}"
            + ("" if ctx.migrated else " · nothing migrated"))
    return document(title, meta, sections, plotly, plotly_version)
