-- films' report views (dbctl report) on the seeded story (25 January 2025): tokens and events per
-- day and agent (films.agent_usage_daily, materialized, refreshed here) and the hand-overs
-- (films.agent_handovers).
BEGIN;
SELECT plan(4);

REFRESH MATERIALIZED VIEW films.agent_usage_daily;
SELECT results_eq(
    $$SELECT agent_name, events, sessions, tokens_used, errors FROM films.agent_usage_daily
      WHERE day = '2025-01-25' ORDER BY agent_name$$,
    $$VALUES ('', 1::bigint, 1::bigint, 0::bigint, 0::bigint), ('critic', 2, 1, 420, 0), ('file_writer', 2, 1, 2500, 0),
             ('greeter', 1, 1, 0, 0), ('researcher', 4, 1, 760, 0), ('screenwriter', 2, 1, 1850, 0)$$,
    'agent_usage_daily: the story''s events and tokens per agent (the user''s under '''')'
);
SELECT is((SELECT sum(tokens_used) FROM films.agent_usage_daily WHERE day = '2025-01-25'),
          (SELECT total_tokens FROM films.daily_activity WHERE activity_date = '2025-01-25')::numeric,
          'its tokens add up to the day''s in daily_activity');
SELECT results_eq(
    $$SELECT from_agent, to_agent, transfers, sessions FROM films.agent_handovers WHERE day = '2025-01-25'
      ORDER BY from_agent$$,
    $$VALUES ('critic', 'file_writer', 1::bigint, 1::bigint), ('greeter', 'researcher', 1, 1),
             ('researcher', 'screenwriter', 1, 1), ('screenwriter', 'critic', 1, 1)$$,
    'agent_handovers: each hand-over of the story, by pair'
);
SET LOCAL ROLE {{ readonly_role }};
SELECT isnt_empty($$SELECT * FROM films.agent_usage_daily JOIN films.agent_handovers USING (day)$$,
                  'the read-only role reads both');
RESET ROLE;
SELECT * FROM finish();
ROLLBACK;
