-- The partition manager in a session whose TimeZone keeps daylight saving time (America/New_York),
-- across both changes of 2027 (14 March: 02:00 EST becomes 03:00 EDT; 7 November: 02:00 EDT
-- becomes 01:00 EST). Day, week and month partitions keep UTC bounds, registration and maintenance
-- make every partition of the horizon exactly once, and a row of the skipped or the repeated local
-- hour lands by its instant. p_now is fixed throughout; the session's zone is set here, so the file
-- proves the same on a server in UTC (and `make test-calendar` runs it on a server in New York).
BEGIN;
SELECT plan(14);

SET LOCAL timezone = 'America/New_York';
CREATE SCHEMA tz AUTHORIZATION {{ owner_role }};
SET LOCAL ROLE {{ owner_role }};  -- module objects belong to the owner role, as dbctl creates them
CREATE TABLE tz.daily (at timestamptz NOT NULL, note text) PARTITION BY RANGE (at);
CREATE TABLE tz.weekly (at timestamptz NOT NULL, note text) PARTITION BY RANGE (at);
CREATE TABLE tz.monthly (at timestamptz NOT NULL) PARTITION BY RANGE (at);
CREATE TABLE tz.autumn (at timestamptz NOT NULL, note text) PARTITION BY RANGE (at);

-- Registered on the evening before the spring change, local time: already 14 March in UTC.
SELECT results_eq(
    $$SELECT partition FROM core.register_partitioned_table('tz.daily', 'day', 3, p_retention => '2 days',
                                                            p_now => '2027-03-13 23:30 America/New_York')$$,
    $$VALUES ('tz.daily_default'), ('tz.daily_2027_03_14'), ('tz.daily_2027_03_15'), ('tz.daily_2027_03_16'),
             ('tz.daily_2027_03_17')$$,
    'registering a daily table across the spring change makes the UTC day and three ahead, once each'
);
SELECT is(
    (SELECT count(*)::int FROM core.partitions_of('tz.daily')
     WHERE NOT is_default AND (upper_bound - lower_bound <> interval '24 hours'
                               OR lower_bound <> date_trunc('day', lower_bound, 'UTC'))),
    0, 'every daily partition runs from midnight UTC to midnight UTC, 24 hours, the short local day included'
);
SELECT results_eq(
    $$SELECT partition FROM core.register_partitioned_table('tz.weekly', 'week', 2,
                                                            p_now => '2027-03-10 12:00 America/New_York')$$,
    $$VALUES ('tz.weekly_default'), ('tz.weekly_2027_w10'), ('tz.weekly_2027_w11'), ('tz.weekly_2027_w12')$$,
    'registering a weekly table across the spring change makes this ISO week and two ahead, once each'
);
SELECT results_eq(
    $$SELECT lower_bound, upper_bound FROM core.partitions_of('tz.weekly') WHERE NOT is_default ORDER BY 1$$,
    $$VALUES ('2027-03-08+00'::timestamptz, '2027-03-15+00'::timestamptz), ('2027-03-15+00', '2027-03-22+00'),
             ('2027-03-22+00', '2027-03-29+00')$$,
    'weeks run Monday 00:00 UTC to Monday 00:00 UTC'
);
SELECT results_eq(
    $$SELECT partition FROM core.register_partitioned_table('tz.monthly', 'month', 3,
                                                            p_now => '2027-02-10 12:00 America/New_York')$$,
    $$VALUES ('tz.monthly_default'), ('tz.monthly_2027_02'), ('tz.monthly_2027_03'), ('tz.monthly_2027_04'),
             ('tz.monthly_2027_05')$$,
    'registering a monthly table in a zone behind UTC makes this month and three ahead, once each'
);

-- Rows around the change: the last second of EST, the first of EDT, a local time the change skips
-- (read as EST, so 03:30 EDT), and a local evening that is already the next UTC day.
INSERT INTO tz.daily VALUES ('2027-03-14 01:59:59 America/New_York', 'last EST second'),
                            ('2027-03-14 03:00:00 America/New_York', 'first EDT second'),
                            ('2027-03-14 02:30:00 America/New_York', 'skipped local time'),
                            ('2027-03-14 21:00:00 America/New_York', 'local evening');
SELECT results_eq(
    $$SELECT note, tableoid::regclass::text, at - '2027-03-14 06:59:59+00' FROM tz.daily ORDER BY at$$,
    $$VALUES ('last EST second', 'tz.daily_2027_03_14', interval '0'),
             ('first EDT second', 'tz.daily_2027_03_14', interval '1 second'),
             ('skipped local time', 'tz.daily_2027_03_14', interval '30 minutes 1 second'),
             ('local evening', 'tz.daily_2027_03_15', interval '18 hours 1 second')$$,
    'rows around the change land by their instant, in UTC days'
);

-- Maintenance before and after the change, and three days on (retention 2 days).
SELECT is_empty(
    $$SELECT * FROM core.maintain_table('tz.daily', '2027-03-14 01:59 America/New_York') WHERE action <> 'check'$$,
    'a minute before the change maintenance has nothing to do'
);
SELECT results_eq(
    $$SELECT action, partition, outcome FROM core.maintain_table('tz.daily', '2027-03-14 03:01 America/New_York')$$,
    $$VALUES ('check', NULL::text, 'ok')$$,
    'a minute after the change it has nothing to do either'
);
SELECT results_eq(
    $$SELECT action, partition, outcome FROM core.maintain_table('tz.daily', '2027-03-17 21:00 America/New_York')
      ORDER BY action, partition$$,
    $$VALUES ('create', 'tz.daily_2027_03_18', 'ok'), ('create', 'tz.daily_2027_03_19', 'ok'),
             ('create', 'tz.daily_2027_03_20', 'ok'), ('create', 'tz.daily_2027_03_21', 'ok'),
             ('drop', 'tz.daily_2027_03_14', 'ok'), ('drop', 'tz.daily_2027_03_15', 'ok')$$,
    'three days on (18 March in UTC) it makes that day and three ahead, and drops the days past retention'
);
SELECT results_eq(
    $$SELECT action, partition, outcome FROM core.maintain_table('tz.weekly', '2027-03-22 00:30 America/New_York')
      ORDER BY partition$$,
    $$VALUES ('create', 'tz.weekly_2027_w13', 'ok'), ('create', 'tz.weekly_2027_w14', 'ok')$$,
    'a weekly table maintained a week after the change makes the weeks that came within the horizon'
);

-- The autumn change: a local hour happens twice; both are kept apart by their instant.
SELECT results_eq(
    $$SELECT partition FROM core.register_partitioned_table('tz.autumn', 'day', 1,
                                                            p_now => '2027-11-07 01:30 EDT')$$,
    $$VALUES ('tz.autumn_default'), ('tz.autumn_2027_11_07'), ('tz.autumn_2027_11_08')$$,
    'registering across the autumn change makes the UTC day and the next, once each'
);
INSERT INTO tz.autumn VALUES ('2027-11-07 01:30 EDT', 'first 01:30'), ('2027-11-07 01:30 EST', 'second 01:30');
SELECT results_eq(
    $$SELECT note, tableoid::regclass::text, to_char(at AT TIME ZONE 'UTC', 'HH24:MI') FROM tz.autumn ORDER BY at$$,
    $$VALUES ('first 01:30', 'tz.autumn_2027_11_07', '05:30'), ('second 01:30', 'tz.autumn_2027_11_07', '06:30')$$,
    'the repeated local hour is two UTC hours of the same UTC day'
);
SELECT results_eq(
    $$SELECT action, partition, outcome FROM core.maintain_table('tz.autumn', '2027-11-07 01:30 EST')$$,
    $$VALUES ('check', NULL::text, 'ok')$$,
    'maintenance in the repeated hour has nothing to do'
);
SELECT results_eq(
    $$SELECT action, partition, outcome FROM core.maintain_table('tz.autumn', '2027-11-07 21:00 EST')$$,
    $$VALUES ('create', 'tz.autumn_2027_11_09', 'ok')$$,
    'on the local evening (8 November in UTC) it makes the next UTC day'
);
ROLLBACK;
