"""What every section needs: the read-only session, the window of days, the selected module schemas
and which of them the ledger says are migrated."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from agentdb.html_report.session import Session


@dataclass
class Context:
    db: Session
    days: int
    now: datetime  # the server's now(), UTC
    schemas: list[str]  # the selected modules, core and what they require included
    migrated: set[str]  # modules with rows in the ledger
    core_ready: bool  # core's objects the report reads exist

    @property
    def since(self) -> datetime:
        return self.now - timedelta(days=self.days)

    @property
    def window(self) -> str:
        return f"the last {self.days} day{'s' if self.days != 1 else ''}"

    def module_on(self, name: str) -> bool:
        return name in self.schemas and name in self.migrated

    def in_schemas(self, qualified: str) -> bool:
        return qualified.split(".", 1)[0].strip('"') in self.schemas


def latest_note(what: str, latest) -> str:
    """'No X in the last N days' with the latest date there is, so a reader knows to widen --days."""
    if latest is None:
        return f"No {what} recorded yet."
    return f"No {what} in this window; the latest is from {latest:%Y-%m-%d} (widen it with --days)."
