"""Partitions and retention, per registered table: its partitions on a time axis (bounds, estimated
rows, size), where the rows of its default partition lie (unroutable ones called out), the retention
and premake horizons on the same axis, and the actions of its last maintenance runs."""

from datetime import timedelta

from psycopg import sql

from agentdb.html_report import charts
from agentdb.html_report.context import Context
from agentdb.html_report.page import Section, count, empty, esc, size, table

STEP = {"day": timedelta(days=1), "week": timedelta(weeks=1), "month": timedelta(days=30)}


def default_rows_by_day(ctx: Context, default_partition: str, parent: str) -> list[dict]:
    """Days (UTC) holding rows of the default partition, with how many; rows without a finite key are
    the unroutable ones, counted by core.maintenance_health."""
    found = ctx.db.rows(
        """SELECT n.nspname AS schema, c.relname AS name, a.attname AS key
             FROM pg_class AS c JOIN pg_namespace AS n ON c.relnamespace = n.oid
             JOIN pg_partitioned_table AS p ON p.partrelid = %(parent)s::regclass
             JOIN pg_attribute AS a ON a.attrelid = p.partrelid AND a.attnum = p.partattrs[0]
            WHERE c.oid = %(partition)s::regclass""", {"parent": parent, "partition": default_partition})
    if not found:
        return []
    f = found[0]
    key = sql.Identifier(f["key"])
    query = sql.SQL("SELECT date_trunc('day', {k}::timestamptz) AS day, count(*) AS rows FROM {t} "
                    "WHERE {k} IS NOT NULL AND isfinite({k}::timestamptz) GROUP BY 1 ORDER BY 1").format(
        k=key, t=sql.Identifier(f["schema"], f["name"]))
    return ctx.db.rows(query)


def timeline(ctx: Context, h: dict, config: dict, parts: list[dict], strays: list[dict]) -> dict:
    ranged = [p for p in parts if not p["is_default"] and p["lower_bound"] and p["upper_bound"]]
    data = []
    if ranged:
        rows = [int(p["estimated_rows"] or 0) for p in ranged]
        data.append({
            "type": "bar", "orientation": "h", "name": "partitions",
            "y": ["partitions"] * len(ranged),
            "base": [p["lower_bound"] for p in ranged],
            "x": [(p["upper_bound"] - p["lower_bound"]).total_seconds() * 1000 for p in ranged],
            "marker": {"color": rows, "colorscale": [[0, "#e3ebfa"], [1, "#1f4fa8"]], "cmin": 0, "cmax": max(max(rows), 1),
                       "line": {"color": "#1d2330", "width": 1},
                       "colorbar": {"title": {"text": "rows"}, "thickness": 10, "len": 0.9}},
            "text": [f"{esc(p['partition'])}<br>{p['lower_bound']:%Y-%m-%d %H:%M} → {p['upper_bound']:%Y-%m-%d %H:%M}"
                     f"<br>≈ {r:,} rows, {size(p['total_bytes'])}" for p, r in zip(ranged, rows)],
            "hovertemplate": "%{text}<extra></extra>", "textposition": "none",
        })
    default_rows = int(h["rows_in_default"] or 0)
    if strays:
        counts = [int(d["rows"]) for d in strays]
        data.append({
            "type": "scatter", "mode": "markers+text", "name": "rows in the default partition",
            "x": [d["day"] for d in strays], "y": ["default"] * len(strays),
            "marker": {"color": "#d23c3c", "symbol": "diamond", "size": [min(10 + c ** 0.5, 30) for c in counts]},
            "text": [f"{c:,}" for c in counts], "textposition": "top center",
            "hovertemplate": "%{y} partition: %{text} rows on %{x|%Y-%m-%d}<extra></extra>",
        })
    now = ctx.now
    shapes, notes = [], []
    for x, label, colour, dash in (
        (now, "now", "#1d2330", "dot"),
        (now - config["retention"] if config["retention"] else None, "retention horizon", "#d23c3c", "dash"),
        (now + STEP[config["partition_interval"]] * config["premake"], "premake horizon", "#2e9d55", "dash"),
    ):
        if x is not None:
            shape, note = charts.vertical_line(x, label, colour, dash)
            shapes.append(shape)
            notes.append(note)
    if default_rows and not strays:
        notes.append({"x": now, "y": "default", "xref": "x", "yref": "y", "showarrow": False,
                      "text": f"{count(default_rows, 'row')} in the default partition", "font": {"color": "#d23c3c"}})
    if h["unroutable_rows"]:
        notes.append({"x": 0.01, "xref": "paper", "y": "default", "yref": "y", "xanchor": "left", "showarrow": False,
                      "text": f"⚠ {h['unroutable_rows']:,} unroutable (e.g. {esc(h['unroutable_key'])})",
                      "font": {"color": "#d23c3c"}, "bgcolor": "#fff3f3"})
    lay = charts.layout("time (UTC)", "", shapes=shapes, annotations=notes, showlegend=False, bargap=0.35,
                        margin={"t": 40})
    lay["xaxis"]["type"] = "date"
    lay["yaxis"] = {"type": "category", "categoryorder": "array", "categoryarray": ["default", "partitions"],
                    "range": [-0.6, 1.6], "automargin": True}
    return {"data": data, "layout": lay}


def section(ctx: Context) -> Section:
    s = Section("partitions", "Partitions and retention")
    if not ctx.core_ready:
        return s.add(empty("core is not migrated in this database: no partitioned tables."))
    health = {h["name"]: h for h in ctx.db.rows("SELECT *, parent::text AS name FROM core.maintenance_health")}
    configs = [c for c in ctx.db.rows(
        "SELECT parent::text AS name, partition_interval, premake, retention, retention::text AS retention_text, "
        "retention_action, default_partition "
        "FROM core.partitioned_tables WHERE to_regclass(parent::text) IS NOT NULL ORDER BY 1") if ctx.in_schemas(c["name"])]
    if not configs:
        return s.add(empty("No partitioned table is registered for these modules."))
    timeline_rows = ctx.db.rows("SELECT parent::text AS name, partition::text, lower_bound, upper_bound, is_default, "
                                "estimated_rows, total_bytes FROM core.partition_timeline "
                                "ORDER BY parent::text, lower_bound NULLS FIRST")
    s.add('<p class="note">Each bar is a partition, shaded by its estimated rows (the statistics, no scan); '
          'red diamonds are days with rows in the default partition (exact counts). The dashed lines are the '
          'retention horizon (partitions wholly before it are removed) and the premake horizon (partitions are '
          'made up to it).</p>')
    for c in configs:
        name = c["name"]
        h = health.get(name, {"rows_in_default": 0, "unroutable_rows": 0, "unroutable_key": None})
        parts = [p for p in timeline_rows if p["name"] == name]
        default = next((p for p in parts if p["is_default"]), None)
        strays = default_rows_by_day(ctx, default["partition"], name) if default and h["rows_in_default"] else []
        anchor = "partitions-" + name.replace(".", "-")
        s.heading(name, anchor)
        retention = (f"{c['retention_text']} ({c['retention_action']})" if c["retention"] else "kept forever")
        s.add(f'<p class="note">{esc(c["partition_interval"])} partitions, {c["premake"]} made ahead, retention '
              f'{esc(retention)}; {count(len(parts) - (1 if default else 0), "partition")}, '
              f'{count(h["rows_in_default"], "row")} in the default partition.</p>')
        if h.get("unroutable_rows"):
            s.add(f'<div class="alert-box">{h["unroutable_rows"]:,} rows of {esc(name)} can go to no partition '
                  f'(a NULL or non-finite key, e.g. {esc(h["unroutable_key"])}): they stay in the default '
                  f'partition and maintenance reports them as failed rescues.</div>')
        s.chart(timeline(ctx, h, c, parts, strays), height=230, ident=anchor + "-timeline")
        actions = ctx.db.rows(
            """SELECT l.logged_at, l.action, l.partition, l.rows, l.duration, l.outcome, l.message
                 FROM core.maintenance_log AS l
                WHERE l.target = %s AND l.run_id IN (
                      SELECT DISTINCT ON (m.run_id) m.run_id FROM core.maintenance_log AS m
                       WHERE m.target = %s ORDER BY m.run_id DESC LIMIT 3)
                ORDER BY l.id DESC LIMIT 20""", (name, name))
        if actions:
            s.add("<details><summary>Actions of its last maintenance runs</summary>"
                  + table(["at", "action", "partition", "rows", "took", "outcome", "message"],
                          [list(a.values()) for a in actions]) + "</details>")
        else:
            s.add(empty("Maintenance has not run on this table yet."))
    return s
