"""Growth: size and rows per table per day (core.table_growth, written by every maintenance run),
with the partitions maintenance removed marked where they were removed."""

from agentdb.html_report import charts
from agentdb.html_report.context import Context, latest_note
from agentdb.html_report.page import Section, empty

TOP = 8  # tables drawn one by one; the rest are summed


def section(ctx: Context) -> Section:
    s = Section("growth", "Growth")
    if not ctx.core_ready:
        return s.add(empty("core is not migrated in this database: no growth history."))
    rows = ctx.db.rows("""SELECT day, format('%%I.%%I', table_schema, table_name) AS name, total_bytes, live_rows
                            FROM core.table_growth
                           WHERE day >= %s::date AND table_schema = ANY(%s) ORDER BY day""",
                       (ctx.since, ctx.schemas))
    if not rows:
        latest = ctx.db.value("SELECT max(day) FROM core.table_growth WHERE table_schema = ANY(%s)", (ctx.schemas,))
        return s.add(empty(latest_note("growth", latest) + " Every maintenance run (dbctl maintain, cron) records "
                                                           "each table's size and rows for the day."))
    last_day = max(r["day"] for r in rows)
    biggest = sorted({r["name"] for r in rows if r["day"] == last_day},
                     key=lambda n: -next(r["total_bytes"] for r in rows if r["day"] == last_day and r["name"] == n))
    drawn = set(biggest[:TOP])

    def series(column: str) -> dict:
        out: dict = {}
        for r in rows:
            name = r["name"] if r["name"] in drawn else "other tables"
            xs, ys = out.setdefault(name, ([], []))
            if xs and xs[-1] == r["day"]:
                ys[-1] += int(r[column])
            else:
                xs.append(r["day"])
                ys.append(int(r[column]))
        return out

    size_series = series("total_bytes")
    size_chart = charts.lines(size_series, "day (UTC)", "bytes", unit="day")
    drops = [d for d in ctx.db.rows(
        """SELECT logged_at, target, action, partition, rows FROM core.maintenance_log
            WHERE logged_at >= %s AND outcome = 'ok' AND action IN ('drop', 'detach', 'drop detached')
            ORDER BY logged_at""", (ctx.since,)) if ctx.in_schemas(d["target"])]
    if drops:
        sizes = {(r["name"], r["day"]): int(r["total_bytes"]) for r in rows}
        size_chart["data"].append({
            "type": "scatter", "mode": "markers", "name": "partition removed",
            "x": [d["logged_at"] for d in drops],
            "y": [sizes.get((d["target"], d["logged_at"].date()), 0) for d in drops],
            "marker": {"symbol": "x", "size": 11, "color": "#d23c3c", "line": {"width": 1}},
            "text": [f"{d['action']} {d['partition'] or ''} of {d['target']} ({d['rows'] or 0:,} rows)" for d in drops],
            "hovertemplate": "%{text}<br>%{x}<extra></extra>",
        })
    s.chart(size_chart, height=340, caption="Total size per table per day (heap, indexes, TOAST; partitions summed). "
                                            "Red crosses: partitions maintenance dropped or detached.")
    s.chart(charts.lines(series("live_rows"), "day (UTC)", "live rows (statistics)", unit="day"), height=300,
            caption="Live rows per table per day, as the statistics estimate them.")
    if not drops:
        s.add('<p class="note">No partition was removed in this window.</p>')
    return s
