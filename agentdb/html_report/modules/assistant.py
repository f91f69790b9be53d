"""assistant: messages per day by answering agent (assistant.messages_daily) and the calendar's load
per day, the window's days and as many ahead (assistant.calendar_load_daily)."""

from datetime import timedelta

from agentdb.html_report import charts
from agentdb.html_report.context import Context, latest_note
from agentdb.html_report.page import Section, empty


def section(ctx: Context) -> Section:
    s = Section("assistant", "assistant: messages and calendar")
    db, since = ctx.db, ctx.since.date()
    s.heading("Messages per day")
    rows = db.rows("""SELECT day, CASE WHEN role = 'user' THEN 'user' ELSE coalesce(agent_type, 'assistant') END AS who,
                             sum(messages)::bigint AS messages
                        FROM assistant.messages_daily WHERE day >= %s GROUP BY 1, 2 ORDER BY 1, 2""", (since,))
    if rows:
        s.chart(charts.bars(charts.series_by(rows, "day", "messages", "who"), "day (UTC)", "messages", unit="day"),
                height=290,
                caption="User messages, and assistant messages by the agent that answered (agent_type).")
    else:
        s.add(empty(latest_note("messages", db.value("SELECT max(day) FROM assistant.messages_daily"))))

    s.heading("Calendar load")
    until = (ctx.now + timedelta(days=ctx.days)).date()
    load = db.rows("SELECT day, events, booked, all_day, scheduled_hours FROM assistant.calendar_load_daily "
                   "WHERE day BETWEEN %s AND %s ORDER BY 1", (since, until))
    if load:
        fig = charts.bars({"events": ([d["day"] for d in load], [d["events"] for d in load]),
                           "booked": ([d["day"] for d in load], [d["booked"] for d in load])},
                          "day (UTC)", "events", unit="day", stacked=False)
        fig["data"].append({"type": "scatter", "mode": "lines+markers", "name": "scheduled hours", "yaxis": "y2",
                            "x": [d["day"] for d in load], "y": [d["scheduled_hours"] for d in load],
                            "line": {"color": charts.PALETTE[3]}})
        fig["layout"]["yaxis2"] = charts.right_axis([d["scheduled_hours"] for d in load], "hours")
        fig["layout"]["margin"] = {**fig["layout"]["margin"], "r": 60}
        shape, label = charts.vertical_line(ctx.now, "now", "#1d2330", "dot")
        fig["layout"]["shapes"], fig["layout"]["annotations"] = [shape], [label]
        s.chart(fig, height=300, caption=f"Events per day of their start, {ctx.window} and the {ctx.days} ahead.")
    else:
        s.add(empty(latest_note("calendar events", db.value("SELECT max(day) FROM assistant.calendar_load_daily"))))
    return s
