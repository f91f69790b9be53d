-- background: the agent states the spec's clients use, besides the module's own. The spec-era agent
-- client registers an agent with state 'initializing' and then moves it through running, paused,
-- stopping, stopped and error; 0002 refused 'initializing', so registration failed (and with it
-- every heartbeat and metric of the agent, through their foreign keys). The CHECK is widened, never
-- narrowed, so every row already stored satisfies it: the new constraint is added NOT VALID and
-- validated at once (agents holds one row per agent: the scan is short, and the file runs in one
-- transaction, so no moment is left without the check).

-- squawk-ignore ban-drop-constraint
ALTER TABLE background.agents DROP CONSTRAINT agents_state_check,
ADD CONSTRAINT agents_state_check CHECK (state IN (
    'initializing', 'starting', 'running', 'idle', 'busy', 'paused', 'stopping', 'stopped', 'error', 'stale'
)) NOT VALID;

-- squawk-ignore constraint-missing-not-valid
ALTER TABLE background.agents VALIDATE CONSTRAINT agents_state_check;

COMMENT ON COLUMN background.agents.state IS
'initializing, starting, running, idle, busy, paused, stopping, stopped, error, or stale (set by
maintenance when a running agent stopped beating: background.mark_stale_agents). The spec-era
client registers with initializing and moves through running, paused, stopping, stopped and error.
Only running agents are checked for silence (background.stale_agents).';
