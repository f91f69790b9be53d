-- films in the distribution plan (core.register_distribution, docs/scale-out.md, DESIGN.md section 8).
-- Everything a session owns is distributed by its session and co-located with films.sessions, so
-- append_event, reconstruction, time travel and the conversation queries each run on one shard.
-- users, app_states, user_states and system_config are small and shared across sessions: reference
-- tables, copied to every node, so a session's shard joins them locally.

SELECT core.register_distribution(
    'films.sessions', 'distributed',
    'leads the session group: every session-scoped row lives on its session''s shard', p_column => 'id'
);

SELECT core.register_distribution(t.relation, 'distributed', t.reason, p_column => 'session_id',
                                  p_colocate_with => 'films.sessions')
FROM (VALUES
    ('films.events'::regclass,
     'the session''s event log, read and appended per session; partitioned by month within each shard'),
    ('films.questions', 'a session''s user inputs'),
    ('films.answers', 'a session''s agent outputs'),
    ('films.inferential_reasoning', 'a session''s reasoning steps'),
    ('films.agent_transfers', 'a session''s hand-offs, pointing at its events'),
    ('films.state_snapshots', 'a session''s state snapshots, read by time travel'),
    ('films.film_projects', 'the films a session makes, kept in step with its state by a trigger')
) AS t (relation, reason)
ORDER BY t.relation::text;

SELECT core.register_distribution(t.relation, 'reference', t.reason)
FROM (VALUES
    ('films.users'::regclass,
     'small, written rarely, referenced by sessions, user_states and film_projects on every shard'),
    ('films.app_states',
     'one row per app, read by every reconstruction (a join on the session''s shard); app: keys change rarely'),
    ('films.user_states',
     'read by every reconstruction with the session; distributing it by user would make that a
two-shard read, and user: keys change far less often than events are appended'),
    ('films.system_config', 'a handful of settings any node may read')
) AS t (relation, reason)
ORDER BY t.relation::text;
