-- films: the Questions -> Inferential reasoning -> Answers pattern (spec 000 "Key Design Decisions").
-- A question is the user's input; reasoning rows are the agents' thinking (research, planning,
-- critique, analysis, decision) with the state delta each produced; an answer is an agent's output.

CREATE TABLE films.questions (
    id uuid PRIMARY KEY DEFAULT core.uuidv7(),
    session_id uuid NOT NULL REFERENCES films.sessions (id) ON DELETE CASCADE,
    user_id uuid REFERENCES films.users (id),
    content text NOT NULL CHECK (content <> ''),
    sequence_number integer NOT NULL CHECK (sequence_number > 0),
    asked_at timestamptz NOT NULL DEFAULT now(),
    context jsonb CHECK (jsonb_typeof(context) = 'object'),
    UNIQUE (session_id, sequence_number)
);

COMMENT ON TABLE films.questions IS 'User inputs of a session, numbered in conversation order.';

CREATE TABLE films.answers (
    id uuid PRIMARY KEY DEFAULT core.uuidv7(),
    session_id uuid NOT NULL REFERENCES films.sessions (id) ON DELETE CASCADE,
    question_id uuid REFERENCES films.questions (id) ON DELETE CASCADE,
    content text NOT NULL CHECK (content <> ''),
    agent_name text NOT NULL CHECK (length(agent_name) BETWEEN 1 AND 100),
    agent_type text CHECK (length(agent_type) <= 100),
    sequence_number integer NOT NULL CHECK (sequence_number > 0),
    tokens_used integer CHECK (tokens_used >= 0),
    response_time_ms integer CHECK (response_time_ms >= 0),
    answered_at timestamptz NOT NULL DEFAULT now()
);

COMMENT ON TABLE films.answers IS 'Agent outputs, with the tokens and time each took.';

-- Conversation history: a session's answers in order.
CREATE INDEX answers_session_sequence ON films.answers (session_id, sequence_number);
CREATE INDEX answers_question ON films.answers (question_id);
-- agent_performance groups answers by agent.
CREATE INDEX answers_agent ON films.answers (agent_name, answered_at);

CREATE TABLE films.inferential_reasoning (
    id uuid PRIMARY KEY DEFAULT core.uuidv7(),
    session_id uuid NOT NULL REFERENCES films.sessions (id) ON DELETE CASCADE,
    question_id uuid REFERENCES films.questions (id) ON DELETE CASCADE,
    answer_id uuid REFERENCES films.answers (id) ON DELETE SET NULL,
    agent_name text NOT NULL CHECK (length(agent_name) BETWEEN 1 AND 100),
    agent_role text CHECK (length(agent_role) <= 200),
    reasoning_type text NOT NULL
    CHECK (reasoning_type IN ('research', 'planning', 'critique', 'analysis', 'decision')),
    content text NOT NULL CHECK (content <> ''),
    state_delta jsonb CHECK (jsonb_typeof(state_delta) = 'object'),
    sequence_number integer NOT NULL CHECK (sequence_number > 0),
    created_at timestamptz NOT NULL DEFAULT now()
);

COMMENT ON TABLE films.inferential_reasoning IS
'Agents'' thinking between a question and its answer, with the state delta each step produced.';

CREATE INDEX inferential_reasoning_session ON films.inferential_reasoning (session_id, sequence_number);
CREATE INDEX inferential_reasoning_question ON films.inferential_reasoning (question_id);
CREATE INDEX inferential_reasoning_answer ON films.inferential_reasoning (answer_id);
