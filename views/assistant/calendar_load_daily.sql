-- assistant.calendar_load_daily: the calendar's load per UTC day of the events' start, for the
-- report (dbctl report) and for psql. Not in the spec's SQL.

CREATE OR REPLACE VIEW assistant.calendar_load_daily AS
SELECT
    (e.start_time AT TIME ZONE 'UTC')::date AS day,
    count(*) AS events,
    count(*) FILTER (WHERE e.booked) AS booked,
    count(*) FILTER (WHERE e.all_day) AS all_day,
    round((coalesce(sum(extract(EPOCH FROM e.end_time - e.start_time)) FILTER (WHERE NOT e.all_day), 0)
           / 3600.0)::numeric, 2) AS scheduled_hours
FROM assistant.calendar_events AS e
GROUP BY 1;

COMMENT ON VIEW assistant.calendar_load_daily IS
'Calendar events per UTC day of their start: how many, how many booked (book_event), how many all-day,
and the hours the timed ones take.';
