"""LangGraph on agentdb (`pip install agentdb[langgraph]`): checkpointers and stores that keep their
data in agentdb's langgraph module, drop-in replacements for langgraph-checkpoint-postgres' classes.

    from agentdb.langgraph import AgentDbSaver            # was: from langgraph.checkpoint.postgres import PostgresSaver
    with AgentDbSaver.from_conn_string(DB_URI) as checkpointer:
        graph = builder.compile(checkpointer=checkpointer)

The schema is migrated by `dbctl migrate --module langgraph`; `setup()` only checks that it was.
Retention (idle threads, a per-thread history cap, expired store items) is run by agentdb's
maintenance (`dbctl maintain`), not by the application. docs/langgraph.md.
"""

from agentdb.langgraph._base import ModuleNotMigrated
from agentdb.langgraph.saver import AgentDbSaver, AsyncAgentDbSaver
from agentdb.langgraph.store import AgentDbStore, AsyncAgentDbStore

__all__ = ["AgentDbSaver", "AgentDbStore", "AsyncAgentDbSaver", "AsyncAgentDbStore", "ModuleNotMigrated"]
