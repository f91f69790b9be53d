"""Overview: server, database size (by module), the modules' ledger state, maintenance health as
traffic lights, materialized views, and the open monitoring alerts."""

from collections import Counter

from agentdb import ledger
from agentdb.html_report import charts
from agentdb.html_report.context import Context
from agentdb.html_report.page import Section, empty, esc, light, size, table

PROBLEM_STATES = {ledger.DRIFTED, ledger.OUT_OF_ORDER, ledger.MISSING, ledger.MISSING_OBJECT}
WAITING_STATES = {ledger.PENDING, ledger.CHANGED}


def ledger_light(counts: Counter) -> tuple[str, str]:
    if any(counts[s] for s in PROBLEM_STATES):
        return "red", "drifted or missing files"
    if counts[ledger.APPLIED] == 0:
        return "amber", "not migrated"
    if any(counts[s] for s in WAITING_STATES):
        return "amber", "files to apply"
    return "green", "up to date"


def table_light(h: dict) -> tuple[str, str]:
    if h["last_outcome"] == "failed" or (h["unroutable_rows"] or 0) > 0:
        return "red", "failed" if h["last_outcome"] == "failed" else "unroutable rows"
    if h["last_outcome"] in ("never", "skipped") or (h["rows_in_default"] or 0) > 0:
        return "amber", "rows in default" if (h["rows_in_default"] or 0) > 0 else h["last_outcome"]
    return "green", "ok"


def section(ctx: Context, entries: list) -> Section:
    s = Section("overview", "Overview")
    db = ctx.db
    info = db.rows("SELECT current_setting('server_version') AS version, current_database() AS database, "
                   "pg_database_size(current_database()) AS bytes, current_user AS reader")[0]
    cards = [("server", f"PostgreSQL {info['version']}"), ("database", info["database"]),
             ("size", size(info["bytes"])), ("read as", info["reader"]), ("window", ctx.window)]
    s.add('<div class="cards">' + "".join(
        f'<div class="card"><div class="k">{esc(k)}</div><div class="v">{esc(v)}</div></div>' for k, v in cards)
        + "</div>")

    s.heading("Modules")
    by_module: dict[str, Counter] = {}
    for e in entries:
        by_module.setdefault(e.module, Counter())[e.state] += 1
    rows = []
    for module in ctx.schemas:
        counts = by_module.get(module, Counter())
        colour, word = ledger_light(counts)
        rows.append([light(colour, word), module, counts[ledger.APPLIED],
                     counts[ledger.PENDING] + counts[ledger.CHANGED],
                     sum(counts[st] for st in PROBLEM_STATES)])
    s.add(table(["state", "module", "files applied", "pending or changed", "drifted or missing"], rows, raw={0}))

    held = db.value("""SELECT coalesce(sum(pg_stat_get_live_tuples(c.oid)), 0) FROM pg_class AS c
                         JOIN pg_namespace AS n ON c.relnamespace = n.oid
                        WHERE c.relkind = 'r' AND n.nspname = ANY(%s) AND n.nspname <> 'core'""", (ctx.schemas,))
    if not held:
        s.add(empty("The modules' tables hold no rows yet (dbctl seed loads the example stories)."))

    sizes = db.rows("""SELECT n.nspname AS module, sum(pg_total_relation_size(c.oid)) AS bytes
                         FROM pg_class AS c JOIN pg_namespace AS n ON c.relnamespace = n.oid
                        WHERE c.relkind IN ('r', 'm') AND n.nspname = ANY(%s)
                        GROUP BY 1 ORDER BY 2 DESC""", (ctx.schemas,))
    if sizes:
        s.chart(charts.bars({"size": ([r["module"] for r in sizes], [int(r["bytes"]) for r in sizes])},
                            "", "bytes (tables, indexes, TOAST)", showlegend=False),
                height=240, caption="Size of each module's tables with their indexes and TOAST.")

    if not ctx.core_ready:
        s.add(empty("core is not migrated in this database: nothing else to report (dbctl migrate)."))
        return s

    s.heading("Maintenance health")
    health = [h for h in db.rows("SELECT *, parent::text AS name FROM core.maintenance_health")
              if ctx.in_schemas(h["name"])]
    if health:
        rows = []
        for h in health:
            colour, word = table_light(h)
            unroutable = (f"{h['unroutable_rows']:,} (e.g. {h['unroutable_key']})" if h["unroutable_rows"] else "0")
            rows.append([light(colour, word), h["name"], h["partitions"], h["rows_in_default"], unroutable,
                         h["covered_until"], h["oldest_partition"], h["last_run_at"], h["last_outcome"]])
        s.add(table(["", "table", "partitions", "rows in default", "unroutable", "covered until", "oldest",
                     "last maintenance", "outcome"], rows, raw={0}))
    else:
        s.add(empty("No partitioned table is registered for these modules."))
    views = [v for v in db.rows("SELECT view::text AS name, last_refreshed_at, age, last_duration, last_outcome "
                                "FROM core.materialized_view_health ORDER BY 1") if ctx.in_schemas(v["name"])]
    if views:
        rows = [[light("green" if v["last_outcome"] == "ok" else ("red" if v["last_outcome"] == "failed" else "amber"),
                       v["last_outcome"] or "never refreshed"),
                 v["name"], v["last_refreshed_at"], v["age"], v["last_duration"]] for v in views]
        s.add(table(["", "materialized view", "last refreshed", "age", "took"], rows, raw={0}))

    s.heading("Open monitoring alerts")
    if db.exists("core.monitoring_alerts"):
        alerts = db.rows("SELECT severity, kind, target, message FROM core.monitoring_alerts")
        if alerts:
            s.add(table(["", "kind", "target", "message"],
                        [[light("red" if a["severity"] == "warning" else "amber", a["severity"]), a["kind"], a["target"],
                          a["message"]] for a in alerts], raw={0}))
        else:
            s.add(empty("No open alerts."))
    else:
        s.add(empty("core monitoring is not migrated."))
    return s
