-- assistant: the spec's CalendarManager as functions (spec 002, "Calendar Operations"), the
-- full-text title search, and book_event, which the spec does not have: an event created only if
-- it conflicts with no other, safe when many clients book at once.
-- An event occupies [start_time, end_time) (all-day events: whole UTC days, see event_range), so
-- events that only touch (one ends at 10:00, the next starts at 10:00) do not conflict.

CREATE OR REPLACE FUNCTION assistant.create_event(
    p_title text,
    p_start_time timestamptz,
    p_end_time timestamptz,
    p_description text DEFAULT NULL,
    p_location text DEFAULT NULL,
    p_all_day boolean DEFAULT FALSE
)
RETURNS assistant.calendar_events
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_event assistant.calendar_events;
BEGIN
    PERFORM assistant.check_new_event(p_title, p_start_time, p_end_time, p_all_day);
    INSERT INTO assistant.calendar_events (title, description, start_time, end_time, location, all_day)
    VALUES (p_title, p_description, p_start_time, p_end_time, p_location, coalesce(p_all_day, FALSE))
    RETURNING * INTO v_event;
    RETURN v_event;
END
$$;

COMMENT ON FUNCTION assistant.create_event(text, timestamptz, timestamptz, text, text, boolean) IS
'Creates an event, overlapping others or not (the spec''s create_event). Errors: 22023 empty title,
end not after start, times outside 1900-3000; 22008 infinite time; 22004 NULL time; 23514 over-long title, location
or description.';

CREATE OR REPLACE FUNCTION assistant.find_conflicts(p_start_time timestamptz, p_end_time timestamptz)
RETURNS SETOF assistant.calendar_events
LANGUAGE plpgsql
STABLE
SET search_path = pg_catalog, pg_temp
-- One right plan whatever the range (the GiST index): planned once, not per call.
SET plan_cache_mode = force_generic_plan
AS $$
BEGIN
    PERFORM assistant.check_time_range(p_start_time, p_end_time, TRUE);
    RETURN QUERY
    SELECT e.* FROM assistant.calendar_events AS e
    WHERE tstzrange(e.start_time, e.end_time) && tstzrange(p_start_time, p_end_time)
    ORDER BY e.start_time, e.id;
END
$$;

COMMENT ON FUNCTION assistant.find_conflicts(timestamptz, timestamptz) IS
'Events overlapping [start, end), in start order: the spec''s find_conflicts (start < end and end >
start), answered by the GiST index on the event range. Errors: 22004, 22008, 22023 as check_time_range.';

CREATE OR REPLACE FUNCTION assistant.events_between(p_start_time timestamptz, p_end_time timestamptz)
RETURNS SETOF assistant.calendar_events
LANGUAGE plpgsql
STABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM assistant.check_time_range(p_start_time, p_end_time, TRUE);
    RETURN QUERY
    SELECT e.* FROM assistant.calendar_events AS e
    WHERE e.start_time >= p_start_time AND e.start_time < p_end_time
    ORDER BY e.start_time, e.id;
END
$$;

COMMENT ON FUNCTION assistant.events_between(timestamptz, timestamptz) IS
'Events starting in [start, end), in start order (the spec''s get_events_for_date_range).';

CREATE OR REPLACE FUNCTION assistant.search_events(p_query text, p_limit integer DEFAULT 50)
RETURNS SETOF assistant.calendar_events
LANGUAGE plpgsql
STABLE
SET search_path = pg_catalog, pg_temp
-- As search_messages: the plan depends on how common the words are.
SET plan_cache_mode = force_custom_plan
AS $$
BEGIN
    PERFORM assistant.check_limit(p_limit);
    IF p_query IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'null_value_not_allowed', MESSAGE = 'search text must not be NULL',
            HINT = 'Pass words as for a web search: dentist -cancel "team lunch".';
    END IF;
    RETURN QUERY
    SELECT e.* FROM assistant.calendar_events AS e
    WHERE to_tsvector('english', e.title) @@ websearch_to_tsquery('english', p_query)
    ORDER BY e.start_time, e.id
    LIMIT p_limit;
END
$$;

COMMENT ON FUNCTION assistant.search_events(text, integer) IS
'Events whose title matches a web-search style query (English stemming), in start order; uses the
spec''s GIN index on to_tsvector(''english'', title).';

CREATE OR REPLACE FUNCTION assistant.conflict_error(p_range tstzrange)
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_other assistant.calendar_events;
BEGIN
    SELECT e.* INTO v_other FROM assistant.calendar_events AS e
    WHERE tstzrange(e.start_time, e.end_time) && p_range
    ORDER BY e.start_time, e.id
    LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'exclusion_violation',
            MESSAGE = format('%s conflicts with event %s (%s, %s)', p_range, v_other.id,
                             quote_literal(v_other.title), tstzrange(v_other.start_time, v_other.end_time)),
            DETAIL = format('conflicting event id: %s', v_other.id),
            HINT = 'Pick a free slot (assistant.find_conflicts lists what is in the way).';
    END IF;
END
$$;

COMMENT ON FUNCTION assistant.conflict_error(tstzrange) IS
'Raises 23P01 naming the first event overlapping the range (id in the message and DETAIL), if any.';

CREATE OR REPLACE FUNCTION assistant.book_event(
    p_title text,
    p_start_time timestamptz,
    p_end_time timestamptz,
    p_description text DEFAULT NULL,
    p_location text DEFAULT NULL,
    p_all_day boolean DEFAULT FALSE
)
RETURNS assistant.calendar_events
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_event assistant.calendar_events;
    v_range tstzrange;
BEGIN
    PERFORM assistant.check_new_event(p_title, p_start_time, p_end_time, p_all_day);
    v_range := assistant.event_range(p_start_time, p_end_time, p_all_day);
    -- Bookings take turns: each holds the calendar's booking lock to the end of its transaction, so
    -- the look below sees every booking committed before it. Without the lock, overlapping bookings
    -- inserting at once wait on each other's uncommitted rows in a cycle; PostgreSQL breaks one
    -- cycle per deadlock_timeout, the aborted booking comes straight back and a new cycle forms
    -- (eight at once could all run out of attempts).
    PERFORM pg_advisory_xact_lock(core.lock_key('booking', 'assistant.calendar_events'::regclass));
    -- An insert can still meet a conflict the look did not see: a booked event moved by an UPDATE
    -- outside this function, or a caller's REPEATABLE READ snapshot taken before the lock. The
    -- exclusion constraint refuses it (23P01), or the two writers deadlock (40P01) and PostgreSQL
    -- aborts one; either way this booking looks again, and conflict_error names what is in the way.
    FOR v_attempt IN 1..10 LOOP
        -- Any event already in the way (booked or made by create_event) refuses the booking.
        PERFORM assistant.conflict_error(v_range);
        BEGIN
            INSERT INTO assistant.calendar_events (title, description, start_time, end_time, location, all_day, booked)
            VALUES (p_title, p_description, p_start_time, p_end_time, p_location, coalesce(p_all_day, FALSE), TRUE)
            RETURNING * INTO v_event;
            RETURN v_event;
        EXCEPTION WHEN exclusion_violation OR deadlock_detected THEN
            NULL;  -- look again
        END;
    END LOOP;
    RAISE EXCEPTION USING ERRCODE = 'serialization_failure',
        MESSAGE = format('%s is contended by concurrent bookings', v_range),
        HINT = 'Retry the booking.';
END
$$;

COMMENT ON FUNCTION assistant.book_event(text, timestamptz, timestamptz, text, text, boolean) IS
'Creates an event only if no event overlaps it, race-free among bookings: bookings take turns (an
advisory lock held to the end of the transaction), so of concurrent bookings of overlapping slots
exactly one succeeds and the others get 23P01 naming the event in the way (id in DETAIL); 40001
after ten contended attempts. Other errors as create_event.';
