"""Google ADK on agentdb: `AgentDbSessionService`, a drop-in replacement for ADK's
`DatabaseSessionService` that keeps sessions in the films module (`pip install agentdb[adk]`).

    from agentdb.adk import AgentDbSessionService
    session_service = AgentDbSessionService("postgresql://app@db/agents")
    runner = Runner(app_name="films", agent=root_agent, session_service=session_service)
"""

from agentdb.adk.service import AgentDbSessionService

__all__ = ["AgentDbSessionService"]
