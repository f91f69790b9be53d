-- dbctl:no-transaction
-- films: validate the row CHECKs that 0019 added NOT VALID (step 2 of 2). VALIDATE takes SHARE UPDATE
-- EXCLUSIVE: reads and writes go on while the rows are checked, each statement in its own
-- transaction (events: every partition).

ALTER TABLE films.sessions VALIDATE CONSTRAINT sessions_row_check;
ALTER TABLE films.events VALIDATE CONSTRAINT events_row_check;
