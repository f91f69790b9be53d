-- The help workflow (forward moves only, updated_at maintained, respond_to_help in one transaction)
-- and the message queue (claim, deliver, ack, fail; forward moves only; NOTIFY channels).
BEGIN;
SELECT plan(29);

INSERT INTO background.help_requests (request_id, user_id, content, created_at, updated_at)
VALUES ('h-1', 'user-1', 'Why is my agent stale?', '2026-05-01 10:00+00', '2026-05-01 10:00+00'),
       ('h-2', 'user-2', 'Second question', '2026-05-01 10:00+00', '2026-05-01 10:00+00');
SELECT results_eq($$SELECT status, priority FROM background.help_requests WHERE request_id = 'h-1'$$,
                  $$VALUES ('pending'::text, 'medium'::text)$$, 'a new request is pending, priority medium');
SELECT results_eq($$SELECT status, updated_at FROM background.set_help_status('h-1', 'in_progress', '2026-05-01 10:01+00')$$,
                  $$VALUES ('in_progress'::text, '2026-05-01 10:01+00'::timestamptz)$$,
                  'set_help_status: pending -> in_progress, updated_at p_now');
SELECT results_eq(
    $$SELECT request_id, response_id, confidence_score, generated_at, agent_id
      FROM background.respond_to_help('h-1', 'r-1', 'Its heartbeats stopped.', 0.8, '["runbook"]', 'helper', '2026-05-01 10:02+00')$$,
    $$VALUES ('h-1'::text, 'r-1'::text, 0.8, '2026-05-01 10:02+00'::timestamptz, 'helper'::text)$$,
    'respond_to_help stores the response'
);
SELECT results_eq($$SELECT status, updated_at FROM background.help_requests WHERE request_id = 'h-1'$$,
                  $$VALUES ('answered'::text, '2026-05-01 10:02+00'::timestamptz)$$, '... and marks the request answered');
SELECT lives_ok($$SELECT background.respond_to_help('h-1', 'r-2', 'Or the network.', p_now => '2026-05-01 10:03+00')$$,
                'an answered request takes another response');
SELECT throws_ok($$SELECT background.set_help_status('h-1', 'pending')$$, '55000', NULL, 'answered -> pending is refused');
SELECT throws_ok($$UPDATE background.help_requests SET status = 'in_progress' WHERE request_id = 'h-1'$$, '55000', NULL,
                 'a plain UPDATE backwards is refused too (trigger)');
SELECT is((SELECT status FROM background.help_requests WHERE request_id = 'h-1'), 'answered', 'the request is still answered');
SELECT is((background.set_help_status('h-1', 'closed', '2026-05-01 11:00+00')).status, 'closed', 'answered -> closed');
SELECT throws_ok($$SELECT background.respond_to_help('h-1', 'r-3', 'late')$$, '55000', NULL, 'a closed request takes no response');
SELECT is((SELECT count(*)::int FROM background.help_responses WHERE request_id = 'h-1'), 2, '... and stores none');
SELECT throws_ok($$SELECT background.respond_to_help('h-nope', 'r-4', 'x')$$, 'P0002', NULL, 'an unknown request: P0002');
SELECT throws_ok($$SELECT background.respond_to_help('h-2', 'r-1', 'duplicate id')$$, '23505', NULL,
                 'a duplicate response_id is refused ...');
SELECT is((SELECT status FROM background.help_requests WHERE request_id = 'h-2'), 'pending', '... and the request stays pending');
SELECT throws_ok($$SELECT background.set_help_status('h-2', 'resolved')$$, '23514', NULL, 'an unknown status is refused');
UPDATE background.help_requests SET content = 'Second question, rephrased' WHERE request_id = 'h-2';
SELECT ok((SELECT updated_at > '2026-05-01 10:00+00' FROM background.help_requests WHERE request_id = 'h-2'),
          'any change moves updated_at');

-- Messages.
SELECT is(background.message_channel('m-b'), 'agent:m-b', 'an agent''s channel is agent:<id>');
SELECT is(length(background.message_channel(repeat('x', 100))), 38, 'a long id gets a hashed channel that fits');
CREATE TEMP TABLE sent AS
SELECT background.send_message('m-a', 'm-b', 'task', jsonb_build_object('n', n), '2026-05-01 10:00+00'::timestamptz + n * interval '1 second') AS id, n
FROM generate_series(1, 5) AS n;
SELECT background.send_message('m-a', 'm-c', 'task', '{}', '2026-05-01 10:00+00');
SELECT results_eq($$SELECT (content ->> 'n')::int, status, delivered_at FROM background.receive_messages('m-b', 2, '2026-05-01 10:01+00')$$,
                  $$VALUES (1, 'delivered'::text, '2026-05-01 10:01+00'::timestamptz), (2, 'delivered', '2026-05-01 10:01+00')$$,
                  'receive_messages claims the oldest n of the agent''s messages and marks them delivered');
SELECT results_eq($$SELECT (content ->> 'n')::int FROM background.receive_messages('m-b', 10, '2026-05-01 10:02+00')$$,
                  ARRAY[3, 4, 5], 'the next call gets the rest, never a message twice');
SELECT is_empty($$SELECT * FROM background.receive_messages('m-b', 10)$$, 'then nothing is waiting');
SELECT results_eq($$SELECT status, read_at FROM background.ack_message((SELECT id FROM sent WHERE n = 1), 'm-b', '2026-05-01 10:03+00')$$,
                  $$VALUES ('read'::text, '2026-05-01 10:03+00'::timestamptz)$$, 'ack_message marks it read');
SELECT throws_ok(format('SELECT background.ack_message(%s, %L)', (SELECT id FROM sent WHERE n = 2), 'm-c'), 'P0002', NULL,
                 'only the recipient acknowledges');
SELECT results_eq($$SELECT status, failure_reason FROM background.fail_message((SELECT id FROM sent WHERE n = 2), 'm-b', 'payload too large')$$,
                  $$VALUES ('failed'::text, 'payload too large'::text)$$, 'fail_message keeps it failed with its reason');
SELECT throws_ok(format('SELECT background.fail_message(%s, %L, NULL)', (SELECT id FROM sent WHERE n = 3), 'm-b'), '22004', NULL,
                 'a failure needs a reason');
SELECT throws_ok(format('SELECT background.ack_message(%s, %L)', (SELECT id FROM sent WHERE n = 2), 'm-b'), '55000', NULL,
                 'a failed message cannot be read');
SELECT throws_ok(format('UPDATE background.agent_communications SET status = %L WHERE id = %s', 'sent', (SELECT id FROM sent WHERE n = 1)),
                 '55000', NULL, 'a read message cannot go back to sent');
SELECT results_eq($$SELECT status FROM background.agent_communications WHERE id IN (SELECT id FROM sent) ORDER BY id$$,
                  ARRAY['read', 'failed', 'delivered', 'delivered', 'delivered'], 'refusals changed nothing');
SELECT throws_ok($$SELECT * FROM background.receive_messages('m-c', 0)$$, '22023', NULL, 'a limit below 1 is refused');
ROLLBACK;
