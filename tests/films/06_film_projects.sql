-- film_projects' denormalized columns follow the session state; other state changes leave them be.
BEGIN;
SELECT plan(7);

SELECT results_eq(
    $$SELECT plot_outline = (s.state ->> 'PLOT_OUTLINE'), research_summary
      FROM films.film_projects AS f INNER JOIN films.sessions AS s ON s.id = f.session_id
      WHERE f.session_id = '0190a0c0-0000-7000-8000-000000000002'$$,
    $$VALUES (TRUE, E'Zhang Zhongjing (150-219 CE)\nChinese physician during Han Dynasty\nWrote Treatise on Cold Damage Disorders')$$,
    'the story''s project carries the plot outline and the research, one item a line'
);

INSERT INTO films.users (id, email, username) VALUES ('0190a0c0-0000-7000-8000-00000000f001', 'f@example.com', 'f');
INSERT INTO films.sessions (id, user_id, state, started_at)
VALUES ('0190a0c0-0000-7000-8000-00000000f002', '0190a0c0-0000-7000-8000-00000000f001',
        '{"PLOT_OUTLINE": "first draft"}', '2026-05-01+00');
INSERT INTO films.film_projects (id, session_id, user_id, title)
VALUES ('0190a0c0-0000-7000-8000-00000000f003', '0190a0c0-0000-7000-8000-00000000f002',
        '0190a0c0-0000-7000-8000-00000000f001', 'Pyramid Builders');
SELECT is((SELECT plot_outline FROM films.film_projects WHERE id = '0190a0c0-0000-7000-8000-00000000f003'),
          'first draft', 'a new project takes its documents from the session state');

SELECT films.append_event('0190a0c0-0000-7000-8000-00000000f002', 'state_update', '{}',
                          '{"PLOT_OUTLINE": "second draft", "casting_report": "Lead: unknown", "box_office_report": "n/a"}',
                          p_created_at => '2026-05-01 00:01+00');
SELECT results_eq(
    $$SELECT plot_outline, casting_report, box_office_report FROM films.film_projects
      WHERE id = '0190a0c0-0000-7000-8000-00000000f003'$$,
    $$VALUES ('second draft', 'Lead: unknown', 'n/a')$$,
    'an event changing those state keys updates the project'
);

CREATE TEMP TABLE version_before AS
SELECT ctid AS row_version FROM films.film_projects WHERE id = '0190a0c0-0000-7000-8000-00000000f003';
SELECT films.append_event('0190a0c0-0000-7000-8000-00000000f002', 'state_update', '{}', '{"iteration_count": 2}',
                          p_created_at => '2026-05-01 00:02+00');
SELECT is((SELECT ctid FROM films.film_projects WHERE id = '0190a0c0-0000-7000-8000-00000000f003'),
          (SELECT row_version FROM version_before), 'an unrelated state change does not rewrite the project');

SELECT films.append_event('0190a0c0-0000-7000-8000-00000000f002', 'state_update', '{}', '{"PLOT_OUTLINE": null}',
                          p_created_at => '2026-05-01 00:03+00');
SELECT is((SELECT plot_outline FROM films.film_projects WHERE id = '0190a0c0-0000-7000-8000-00000000f003'),
          NULL, 'deleting the key clears the column');

SELECT films.append_event('0190a0c0-0000-7000-8000-00000000f002', 'state_update', '{}',
                          '{"research": ["Khufu", {"site": "Giza"}]}', p_created_at => '2026-05-01 00:04+00');
SELECT is((SELECT research_summary FROM films.film_projects WHERE id = '0190a0c0-0000-7000-8000-00000000f003'),
          E'Khufu\n{"site": "Giza"}', 'research items that are not strings are kept as JSON');
SELECT results_eq(
    $$SELECT title FROM films.search_films('piramid builder')$$, ARRAY['Pyramid Builders'],
    'film search tolerates misspellings'
);
ROLLBACK;
