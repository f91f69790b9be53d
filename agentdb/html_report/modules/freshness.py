"""A line saying how fresh a materialized view is, under the charts drawn from it."""

from agentdb.html_report.context import Context
from agentdb.html_report.page import note


def view_note(ctx: Context, view: str) -> str:
    row = ctx.db.rows("SELECT last_refreshed_at, last_outcome FROM core.materialized_view_health WHERE view::text = %s",
                      (view,))
    if not row or row[0]["last_refreshed_at"] is None:
        return note(f"From {view}, a materialized view maintenance refreshes: not refreshed by maintenance yet.")
    return note(f"From {view}, as maintenance last refreshed it at {row[0]['last_refreshed_at']:%Y-%m-%d %H:%M} UTC.")
