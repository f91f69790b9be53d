-- dbctl:no-transaction
-- films: validate the foreign keys 0009 and 0010 recreated NOT VALID (step 4 of 4). VALIDATE takes
-- SHARE UPDATE EXCLUSIVE: reads and writes go on while the rows are checked, each statement in its
-- own transaction.

ALTER TABLE films.answers VALIDATE CONSTRAINT answers_question_id_fkey;
ALTER TABLE films.inferential_reasoning VALIDATE CONSTRAINT inferential_reasoning_question_id_fkey;
ALTER TABLE films.inferential_reasoning VALIDATE CONSTRAINT inferential_reasoning_answer_id_fkey;
ALTER TABLE films.agent_transfers VALIDATE CONSTRAINT agent_transfers_event;
