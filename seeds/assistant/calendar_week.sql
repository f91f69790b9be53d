-- assistant seed: a conversation routed between a router, a calendar agent and a general agent,
-- their saved states, and a week of calendar events (7-13 December 2026) with one conflict (the
-- Tuesday team sync and the Lisbon call overlap from 14:30 to 15:00). The dentist appointment the
-- user asks for is taken with book_event, the rest with create_event.
-- Loading it twice changes nothing (fixed session key; the story is written only if it is new).

DO $seed$
DECLARE
    v_session constant text := 'seed-week-0001';
    v_at constant timestamptz := '2026-12-06 18:00+00';
BEGIN
    IF EXISTS (SELECT FROM assistant.chat_sessions WHERE session_id = v_session) THEN
        RETURN;
    END IF;
    PERFORM assistant.get_or_create_session(v_session, v_at);

    PERFORM assistant.create_event('Team standup', '2026-12-07 09:00+00', '2026-12-07 09:15+00', 'Daily standup', 'Room 2');
    PERFORM assistant.create_event('Team sync', '2026-12-08 14:00+00', '2026-12-08 15:00+00', 'Weekly planning', 'Room 1');
    PERFORM assistant.create_event('Call with Lisbon office', '2026-12-08 14:30+00', '2026-12-08 15:30+00',
                                   'Quarterly numbers', 'Video');
    PERFORM assistant.create_event('Lunch with Ana', '2026-12-09 12:30+00', '2026-12-09 13:30+00', NULL, 'Cafe Central');
    PERFORM assistant.create_event('Budget review', '2026-12-10 10:00+00', '2026-12-10 11:30+00', 'Q1 budget', 'Room 3');
    PERFORM assistant.create_event('Flight to Lisbon', '2026-12-11 17:05+00', '2026-12-11 19:40+00', 'TP 1351', 'Airport T1');
    PERFORM assistant.create_event('Weekend in Lisbon', '2026-12-12 00:00+00', '2026-12-13 00:00+00', NULL, 'Lisbon',
                                   p_all_day => TRUE);

    PERFORM assistant.add_message(v_session, 'user', 'Can you book me a dentist appointment on Tuesday morning?',
                                  'router', v_at + interval '1 minute');
    PERFORM assistant.save_agent_state(v_session, 'router', '{"last_agent": "calendar", "turns": 1}',
                                       v_at + interval '1 minute');
    PERFORM assistant.add_message(v_session, 'assistant', 'Tuesday 8 December, 10:00-11:00 is free. Booking it.',
                                  'calendar', v_at + interval '1 minute 3 seconds');
    PERFORM assistant.book_event('Dentist', '2026-12-08 10:00+00', '2026-12-08 11:00+00', 'Check-up', 'Rua Augusta 12');
    PERFORM assistant.add_message(v_session, 'assistant', 'Booked: Dentist, Tuesday 10:00-11:00 at Rua Augusta 12.',
                                  'calendar', v_at + interval '1 minute 4 seconds');
    PERFORM assistant.save_agent_state(v_session, 'calendar',
                                       '{"last_booked": "Dentist", "timezone": "UTC", "pending": null}',
                                       v_at + interval '1 minute 4 seconds');

    PERFORM assistant.add_message(v_session, 'user', 'How long is the flight to Lisbon usually?',
                                  'router', v_at + interval '3 minutes');
    PERFORM assistant.add_message(v_session, 'assistant', 'About two and a half hours from here.',
                                  'general', v_at + interval '3 minutes 2 seconds');
    PERFORM assistant.save_agent_state(v_session, 'general', '{"topics": ["travel"]}', v_at + interval '3 minutes 2 seconds');

    PERFORM assistant.add_message(v_session, 'user', 'Anything clashing on Tuesday afternoon?',
                                  'router', v_at + interval '5 minutes');
    PERFORM assistant.add_message(v_session, 'assistant',
                                  'Yes: the Team sync (14:00-15:00) overlaps the Call with Lisbon office (14:30-15:30).',
                                  'calendar', v_at + interval '5 minutes 3 seconds');
    PERFORM assistant.save_agent_state(v_session, 'router', '{"last_agent": "calendar", "turns": 3}',
                                       v_at + interval '5 minutes 3 seconds');
END
$seed$;
