"""`dbctl report`: the database as one self-contained HTML page, drawn with plotly.js read from the
installed plotly package (docs/report.md). One file per concern: the read-only session, the page,
the charts, and one file per section (modules/ holds the per-module sections)."""

from agentdb.html_report.build import build_report

__all__ = ["build_report"]
