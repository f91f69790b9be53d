-- assistant: triggers that keep row invariants for clients that write the tables directly.
--   calendar_events_all_day: an all-day event's times are rounded out to UTC midnights, so
--     all_day means whole days whatever the client sent (a date at 00:00 to the same date, or
--     to 23:59:59, is that one day). assistant.event_range() is the same rounding for queries.
--   agent_states_updated_at / calendar_events_updated_at: core.set_updated_at().

CREATE OR REPLACE FUNCTION assistant.event_range(p_start timestamptz, p_end timestamptz, p_all_day boolean)
RETURNS tstzrange
LANGUAGE sql
IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT CASE
        WHEN NOT coalesce(p_all_day, FALSE) OR p_end < p_start THEN tstzrange(p_start, p_end)
        ELSE tstzrange(
            date_trunc('day', p_start, 'UTC'),
            greatest(
                CASE WHEN p_end = date_trunc('day', p_end, 'UTC') THEN p_end
                     ELSE date_trunc('day', p_end, 'UTC') + interval '1 day' END,
                date_trunc('day', p_start, 'UTC') + interval '1 day'
            )
        )
    END
$$;

COMMENT ON FUNCTION assistant.event_range(timestamptz, timestamptz, boolean) IS
'The [start, end) an event occupies: as given, or for an all-day event rounded out to UTC midnights
(at least one day). An end before the start is returned as is, for the CHECK to refuse.';

CREATE OR REPLACE FUNCTION assistant.round_all_day_event()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_range tstzrange;
BEGIN
    IF NEW.all_day AND NEW.start_time <= NEW.end_time THEN
        v_range := assistant.event_range(NEW.start_time, NEW.end_time, TRUE);
        NEW.start_time := lower(v_range);
        NEW.end_time := upper(v_range);
    END IF;
    RETURN NEW;
END
$$;

COMMENT ON FUNCTION assistant.round_all_day_event() IS
'BEFORE INSERT OR UPDATE trigger on calendar_events: rounds an all-day event out to UTC midnights.';

CREATE OR REPLACE TRIGGER calendar_events_all_day BEFORE INSERT OR UPDATE OF start_time, end_time, all_day
ON assistant.calendar_events
FOR EACH ROW WHEN (NEW.all_day) EXECUTE FUNCTION assistant.round_all_day_event();

CREATE OR REPLACE TRIGGER calendar_events_updated_at BEFORE UPDATE ON assistant.calendar_events
FOR EACH ROW EXECUTE FUNCTION core.set_updated_at();

CREATE OR REPLACE TRIGGER agent_states_updated_at BEFORE UPDATE ON assistant.agent_states
FOR EACH ROW EXECUTE FUNCTION core.set_updated_at();
