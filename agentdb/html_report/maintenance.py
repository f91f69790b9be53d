"""Maintenance history: runs over time (how long, how many actions, failures in red), actions per day
by kind, and the latest runs, each failed step's message one click away (a click on a red run in the
chart, or on the run's line, opens its details)."""

from agentdb.html_report import charts
from agentdb.html_report.context import Context, latest_note
from agentdb.html_report.page import Section, count, empty, esc, table

SHOWN_RUNS = 25


def section(ctx: Context) -> Section:
    s = Section("maintenance", "Maintenance history")
    if not ctx.core_ready:
        return s.add(empty("core is not migrated in this database: no maintenance history."))
    runs = ctx.db.rows("""SELECT * FROM core.maintenance_runs
                           WHERE run_id IN (SELECT run_id FROM core.maintenance_log WHERE logged_at >= %s)
                           ORDER BY started_at""", (ctx.since,))
    if not runs:
        latest = ctx.db.value("SELECT max(logged_at) FROM core.maintenance_log")
        return s.add(empty(latest_note("maintenance run", latest) + " Schedule it: dbctl schedule."))
    failed = sum(1 for r in runs if r["failed"])
    s.add(f'<p class="note">{count(len(runs), "run")} in {ctx.window}, {failed:,} with a failed step; '
          f'{count(sum(r["actions"] for r in runs), "action")}.</p>')
    colours = [charts.OUTCOME_COLOURS["failed" if r["failed"] else ("skipped" if r["skipped"] and not r["ok"] else "ok")]
               for r in runs]
    s.chart({"data": [{
        "type": "scatter", "mode": "markers", "name": "runs",
        "x": [r["started_at"] for r in runs], "y": [r["elapsed"].total_seconds() * 1000 for r in runs],
        "marker": {"color": colours, "size": [min(7 + r["actions"] ** 0.5 * 2, 26) for r in runs],
                   "line": {"color": "#1d2330", "width": 0.5}},
        "customdata": [f"#run-{r['run_id']}" for r in runs],
        "text": [f"{count(r['actions'], 'action')}, {r['failed']} failed, {count(r['rows'], 'row')}" for r in runs],
        "hovertemplate": "%{x}<br>%{y:.1f} ms<br>%{text}<br>click for details<extra></extra>",
    }], "layout": charts.layout("run start (UTC)", "duration (ms)", showlegend=False,
                                xaxis=charts.time_axis([r["started_at"] for r in runs], "minute"))}, height=300,
        caption="Each point is a run (size: its actions; red: a step failed). Click one for its steps.")
    per_day = ctx.db.rows("""SELECT date_trunc('day', logged_at) AS day, action || ' ' || outcome AS kind,
                                    count(*) AS actions
                               FROM core.maintenance_log WHERE logged_at >= %s GROUP BY 1, 2 ORDER BY 1, 2""",
                          (ctx.since,))
    fig = charts.bars(charts.series_by(per_day, "day", "actions", "kind"), "day (UTC)", "actions", unit="day")
    for trace in fig["data"]:
        outcome = trace["name"].rsplit(" ", 1)[-1]
        if outcome in ("failed", "skipped"):
            trace["marker"]["color"] = charts.OUTCOME_COLOURS[outcome]
    s.chart(fig, height=280, caption="Maintenance actions per day, by action and outcome (failed in red, skipped in "
                                     "amber).")

    shown = list(reversed(runs))[:SHOWN_RUNS]
    steps = ctx.db.rows("""SELECT run_id, logged_at, target, action, partition, rows, duration, outcome, message
                             FROM core.maintenance_log WHERE run_id = ANY(%s) ORDER BY id""",
                        ([r["run_id"] for r in shown],))
    s.heading(f"Latest runs ({len(shown)} of {len(runs)})")
    for r in shown:
        mine = [x for x in steps if x["run_id"] == r["run_id"]]
        bad = [x for x in mine if x["outcome"] == "failed"]
        summary = (f"{r['started_at']:%Y-%m-%d %H:%M:%S} · {count(r['actions'], 'action')} · "
                   f"{count(r['rows'], 'row')} · {r['elapsed'].total_seconds() * 1000:.1f} ms"
                   + (f" · {len(bad)} failed" if bad else ""))
        body = ""
        if bad:
            body += "".join(f"<pre>{esc(x['target'])} {esc(x['action'])} {esc(x['partition'] or '')}: "
                            f"{esc(x['message'])}</pre>" for x in bad)
        body += table(["at", "target", "action", "partition", "rows", "took", "outcome", "message"],
                      [[x["logged_at"], x["target"], x["action"], x["partition"], x["rows"], x["duration"],
                        x["outcome"], x["message"]] for x in mine[:60]])
        s.add(f'<details class="run{" failed" if bad else ""}" id="run-{r["run_id"]}"><summary>{esc(summary)}'
              f'</summary>{body}</details>')
    return s
