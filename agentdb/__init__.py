"""agentdb's runner: reads the manifest, renders the SQL files and applies them (see dbctl.py)."""
