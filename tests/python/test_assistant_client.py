"""The spec's own client code (spec 002: SQLAlchemy models and managers, Flask-SQLAlchemy) runs
unchanged against the assistant module and gives the results it gives on the spec's own DDL; and the
module's functions are race-free with several connections.

The block between SPEC CODE markers is the spec's code as written (imports added); nothing in it is
adapted to agentdb. The application logs in as a role that is a member of agentdb_app and reaches
the tables through search_path, set in the connection URL or by ALTER ROLE.
"""

import json
import threading
import uuid
from datetime import datetime, timedelta, timezone
from typing import List

import psycopg
import pytest
from flask import Flask
from psycopg.conninfo import conninfo_to_dict
from sqlalchemy import URL, func

from bench.assistant import SPEC_DDL  # the spec's own DDL, verbatim: the reference
from conftest import dbctl, query, wait_while_running_until_blocked

# ---- SPEC CODE (spec 002, verbatim) -----------------------------------------------------------
from flask_sqlalchemy import SQLAlchemy

db = SQLAlchemy()


class ChatSession(db.Model):
    __tablename__ = 'chat_sessions'

    id = db.Column(db.Integer, primary_key=True)
    session_id = db.Column(db.String(100), unique=True, nullable=False)
    created_at = db.Column(db.DateTime, default=func.now())

    # Relationships
    messages = db.relationship('ChatMessage', backref='session', lazy=True,
                               cascade='all, delete-orphan')


class ChatMessage(db.Model):
    __tablename__ = 'chat_messages'

    id = db.Column(db.Integer, primary_key=True)
    session_id = db.Column(db.String(100), db.ForeignKey('chat_sessions.session_id'),
                           nullable=False)
    role = db.Column(db.String(20), nullable=False)  # 'user' or 'assistant'
    content = db.Column(db.Text, nullable=False)
    agent_type = db.Column(db.String(50))  # Which agent handled this message
    timestamp = db.Column(db.DateTime, default=func.now())

    def to_dict(self):
        return {
            'id': self.id,
            'session_id': self.session_id,
            'role': self.role,
            'content': self.content,
            'agent_type': self.agent_type,
            'timestamp': self.timestamp.isoformat()
        }


class AgentState(db.Model):
    __tablename__ = 'agent_states'

    id = db.Column(db.Integer, primary_key=True)
    session_id = db.Column(db.String(100), nullable=False)
    agent_type = db.Column(db.String(50), nullable=False)
    state_data = db.Column(db.Text)  # JSON serialized state
    updated_at = db.Column(db.DateTime, default=func.now(), onupdate=func.now())

    __table_args__ = (
        db.UniqueConstraint('session_id', 'agent_type'),
    )


class CalendarEvent(db.Model):
    __tablename__ = 'calendar_events'

    id = db.Column(db.Integer, primary_key=True)
    title = db.Column(db.String(200), nullable=False)
    description = db.Column(db.Text)
    start_time = db.Column(db.DateTime, nullable=False)
    end_time = db.Column(db.DateTime, nullable=False)
    location = db.Column(db.String(200))
    all_day = db.Column(db.Boolean, default=False)
    created_at = db.Column(db.DateTime, default=func.now())
    updated_at = db.Column(db.DateTime, default=func.now(), onupdate=func.now())

    def to_dict(self):
        return {
            'id': self.id,
            'title': self.title,
            'description': self.description,
            'start_time': self.start_time.isoformat(),
            'end_time': self.end_time.isoformat(),
            'location': self.location,
            'all_day': self.all_day,
            'created_at': self.created_at.isoformat(),
            'updated_at': self.updated_at.isoformat()
        }

    def conflicts_with(self, start_time, end_time):
        """Check if this event conflicts with given time range"""
        return not (self.end_time <= start_time or self.start_time >= end_time)


# Save agent state
def save_agent_state(session_id: str, agent_type: str, state_data: dict):
    agent_state = AgentState.query.filter_by(
        session_id=session_id,
        agent_type=agent_type
    ).first()

    if agent_state:
        agent_state.state_data = json.dumps(state_data)
        agent_state.updated_at = func.now()
    else:
        agent_state = AgentState(
            session_id=session_id,
            agent_type=agent_type,
            state_data=json.dumps(state_data)
        )
        db.session.add(agent_state)

    db.session.commit()


# Load agent state
def load_agent_state(session_id: str, agent_type: str) -> dict:
    agent_state = AgentState.query.filter_by(
        session_id=session_id,
        agent_type=agent_type
    ).first()

    if agent_state and agent_state.state_data:
        return json.loads(agent_state.state_data)
    return {}


class SessionManager:
    @staticmethod
    def create_session(session_id: str) -> ChatSession:
        """Create a new chat session"""
        session = ChatSession(session_id=session_id)
        db.session.add(session)
        db.session.commit()
        return session

    @staticmethod
    def get_or_create_session(session_id: str) -> ChatSession:
        """Get existing session or create new one"""
        session = ChatSession.query.filter_by(session_id=session_id).first()
        if not session:
            session = SessionManager.create_session(session_id)
        return session

    @staticmethod
    def get_session_history(session_id: str, limit: int = 50) -> List[ChatMessage]:
        """Get message history for a session"""
        return ChatMessage.query.filter_by(session_id=session_id)\
                               .order_by(ChatMessage.timestamp.desc())\
                               .limit(limit).all()


class MessageManager:
    @staticmethod
    def add_message(session_id: str, role: str, content: str,
                    agent_type: str = None) -> ChatMessage:
        """Add a new message to the session"""
        message = ChatMessage(
            session_id=session_id,
            role=role,
            content=content,
            agent_type=agent_type
        )
        db.session.add(message)
        db.session.commit()
        return message

    @staticmethod
    def get_messages_by_agent(session_id: str, agent_type: str) -> List[ChatMessage]:
        """Get all messages handled by a specific agent in a session"""
        return ChatMessage.query.filter_by(
            session_id=session_id,
            agent_type=agent_type
        ).order_by(ChatMessage.timestamp).all()


class CalendarManager:
    @staticmethod
    def create_event(title: str, start_time: datetime, end_time: datetime,
                     description: str = None, location: str = None,
                     all_day: bool = False) -> CalendarEvent:
        """Create a new calendar event"""
        event = CalendarEvent(
            title=title,
            start_time=start_time,
            end_time=end_time,
            description=description,
            location=location,
            all_day=all_day
        )
        db.session.add(event)
        db.session.commit()
        return event

    @staticmethod
    def find_conflicts(start_time: datetime, end_time: datetime) -> List[CalendarEvent]:
        """Find events that conflict with the given time range"""
        return CalendarEvent.query.filter(
            CalendarEvent.start_time < end_time,
            CalendarEvent.end_time > start_time
        ).all()

    @staticmethod
    def get_events_for_date_range(start_date: datetime,
                                  end_date: datetime) -> List[CalendarEvent]:
        """Get all events within a date range"""
        return CalendarEvent.query.filter(
            CalendarEvent.start_time >= start_date,
            CalendarEvent.start_time < end_date
        ).order_by(CalendarEvent.start_time).all()


# Efficient session history retrieval with pagination
def get_paginated_history(session_id: str, page: int = 1, per_page: int = 20):
    return ChatMessage.query.filter_by(session_id=session_id)\
                           .order_by(ChatMessage.timestamp.desc())\
                           .paginate(page=page, per_page=per_page, error_out=False)


# Bulk insert for performance
def bulk_insert_messages(messages_data: List[dict]):
    messages = [ChatMessage(**data) for data in messages_data]
    db.session.bulk_save_objects(messages)
    db.session.commit()


class DataRetentionManager:
    @staticmethod
    def cleanup_old_sessions(days_old: int = 30):
        """Remove sessions older than specified days"""
        cutoff_date = datetime.utcnow() - timedelta(days=days_old)

        old_sessions = ChatSession.query.filter(
            ChatSession.created_at < cutoff_date
        ).all()

        for session in old_sessions:
            db.session.delete(session)  # Cascade will handle messages

        db.session.commit()
        return len(old_sessions)

    @staticmethod
    def cleanup_orphaned_agent_states():
        """Remove agent states for non-existent sessions"""
        orphaned_states = db.session.query(AgentState)\
            .outerjoin(ChatSession, AgentState.session_id == ChatSession.session_id)\
            .filter(ChatSession.session_id.is_(None)).all()

        for state in orphaned_states:
            db.session.delete(state)

        db.session.commit()
        return len(orphaned_states)
# ---- END OF SPEC CODE -------------------------------------------------------------------------

SEARCH_PATH = "assistant,core,extensions"


def sqlalchemy_url(dsn, user=None, password=None, options=None):
    parts = conninfo_to_dict(dsn)
    return URL.create("postgresql+psycopg", username=user or parts["user"], password=password or parts.get("password"),
                      host=parts["host"], port=int(parts["port"]), database=parts["dbname"],
                      query={"options": options} if options else {})


def make_app(url):
    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = url
    db.init_app(app)
    return app


@pytest.fixture(scope="module")
def module_databases(admin_dsn):
    """A migrated assistant database with a login role for the application, and a database with
    the spec's own DDL; both dropped afterwards."""
    suffix = uuid.uuid4().hex[:8]
    ours, spec, login = f"agentdb_client_{suffix}", f"agentdb_specddl_{suffix}", f"assistant_client_{suffix}"
    password = uuid.uuid4().hex
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{ours}"')
        conn.execute(f'CREATE DATABASE "{spec}"')
    ours_dsn = admin_dsn.rsplit("/", 1)[0] + f"/{ours}"
    spec_dsn = admin_dsn.rsplit("/", 1)[0] + f"/{spec}"
    dbctl("migrate", "--module", "assistant", dsn=ours_dsn, check=True)
    query(spec_dsn, SPEC_DDL)
    query(ours_dsn, f"CREATE ROLE {login} LOGIN PASSWORD '{password}' IN ROLE agentdb_app")
    try:
        yield {"ours": ours_dsn, "spec": spec_dsn, "login": login, "password": password}
    finally:
        with psycopg.connect(admin_dsn, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{ours}" WITH (FORCE)')
            conn.execute(f'DROP DATABASE IF EXISTS "{spec}" WITH (FORCE)')
            conn.execute(f"DROP ROLE IF EXISTS {login}")


def conversation(app, session_key):
    """A realistic run of the spec's code: what the application sees, as plain values."""
    seen = {}
    with app.app_context():
        db.create_all()  # the application's start-up
        session = SessionManager.get_or_create_session(session_key)
        again = SessionManager.get_or_create_session(session_key)
        seen["one session"] = (session.id == again.id, session.session_id)
        turns = [
            ("user", "Book a dentist appointment next Tuesday at 10", "router"),
            ("assistant", "Routing to the calendar agent.", "router"),
            ("assistant", "Tuesday 10:00 is free. Booked: Dentist, 10:00-11:00.", "calendar"),
            ("user", "And what is the capital of Portugal?", "router"),
            ("assistant", "Lisbon.", "general"),
            ("user", "Do I have anything on Tuesday afternoon?", "router"),
            ("assistant", "Only the team sync at 14:00.", "calendar"),
        ]
        for role, content, agent in turns:
            MessageManager.add_message(session_key, role, content, agent)
        history = SessionManager.get_session_history(session_key, limit=50)
        seen["history"] = sorted((m.role, m.content, m.agent_type) for m in history)
        seen["history newest first"] = [m.timestamp for m in history] == sorted((m.timestamp for m in history), reverse=True)
        seen["to_dict keys"] = sorted(history[0].to_dict())
        seen["calendar agent"] = [m.content for m in MessageManager.get_messages_by_agent(session_key, "calendar")]
        seen["relationship"] = sorted(m.content for m in ChatSession.query.filter_by(session_id=session_key).first().messages)
        seen["backref"] = ChatMessage.query.filter_by(session_id=session_key).first().session.session_id

        save_agent_state(session_key, "calendar", {"pending": None, "booked": [{"title": "Dentist", "at": "10:00"}]})
        save_agent_state(session_key, "router", {"last_agent": "general", "turns": 4})
        save_agent_state(session_key, "router", {"last_agent": "calendar", "turns": 5})
        save_agent_state("never-created-" + session_key, "general", {"draft": "hello"})
        seen["states"] = [load_agent_state(session_key, "calendar"), load_agent_state(session_key, "router"),
                          load_agent_state(session_key, "nobody"), load_agent_state("never-created-" + session_key, "general")]

        tuesday = datetime(2026, 12, 8)
        dentist = CalendarManager.create_event("Dentist", tuesday.replace(hour=10), tuesday.replace(hour=11),
                                               location="Rua Augusta 12")
        CalendarManager.create_event("Team sync", tuesday.replace(hour=14), tuesday.replace(hour=15))
        CalendarManager.create_event("Overlapping call", tuesday.replace(hour=14, minute=30), tuesday.replace(hour=16))
        CalendarManager.create_event("Wednesday standup", tuesday.replace(day=9, hour=9), tuesday.replace(day=9, hour=9, minute=15))
        seen["event dict"] = {k: v for k, v in dentist.to_dict().items() if k not in ("created_at", "updated_at", "id", "start_time", "end_time")}
        seen["conflicts 10:30-12"] = sorted(e.title for e in CalendarManager.find_conflicts(tuesday.replace(hour=10, minute=30), tuesday.replace(hour=12)))
        seen["conflicts touching 11-14"] = [e.title for e in CalendarManager.find_conflicts(tuesday.replace(hour=11), tuesday.replace(hour=14))]
        seen["conflicts 14:45-15:30"] = sorted(e.title for e in CalendarManager.find_conflicts(tuesday.replace(hour=14, minute=45), tuesday.replace(hour=15, minute=30)))
        seen["tuesday"] = [e.title for e in CalendarManager.get_events_for_date_range(tuesday, tuesday + timedelta(days=1))]
        seen["week"] = [e.title for e in CalendarManager.get_events_for_date_range(tuesday, tuesday + timedelta(days=7))]

        bulk_insert_messages([{"session_id": session_key, "role": "user" if n % 2 else "assistant",
                               "content": f"bulk message {n}", "agent_type": "general"} for n in range(45)])
        page1 = get_paginated_history(session_key, page=1, per_page=20)
        page3 = get_paginated_history(session_key, page=3, per_page=20)
        seen["pages"] = (page1.total, page1.pages, len(page1.items), len(page3.items))
        db.session.remove()
    return seen


def naive_utc(value):
    return value.astimezone(timezone.utc).replace(tzinfo=None) if value.tzinfo else value


def test_the_spec_client_gives_the_same_results_as_on_the_spec_ddl(module_databases):
    options = f"-csearch_path={SEARCH_PATH} -ctimezone=UTC"
    ours = make_app(sqlalchemy_url(module_databases["ours"], module_databases["login"], module_databases["password"], options))
    spec = make_app(sqlalchemy_url(module_databases["spec"], options="-ctimezone=UTC"))
    got, expected = conversation(ours, "abc123"), conversation(spec, "abc123")
    assert got == expected
    assert got["one session"] == (True, "abc123")
    assert got["conflicts touching 11-14"] == []
    assert got["conflicts 14:45-15:30"] == ["Overlapping call", "Team sync"]
    assert got["states"][3] == {"draft": "hello"}, "state saved for a session never created"
    assert got["pages"] == (52, 3, 20, 12)
    # The application's tables are the module's: nothing was created in public.
    assert query(module_databases["ours"], "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'") == [(0,)]
    assert query(module_databases["ours"], "SELECT count(*) FROM assistant.chat_messages WHERE session_id = 'abc123'") == [(52,)]


def test_a_uuid_session_key_search_path_from_alter_role_and_aware_times(module_databases):
    """search_path and timezone set for the login role instead of in the URL; naive utcnow() values
    are UTC; the times the client loads are aware (UTC)."""
    login, dsn = module_databases["login"], module_databases["ours"]
    database = conninfo_to_dict(dsn)["dbname"]
    query(dsn, f'ALTER ROLE {login} IN DATABASE "{database}" SET search_path = {SEARCH_PATH}')
    query(dsn, f'ALTER ROLE {login} IN DATABASE "{database}" SET timezone = \'UTC\'')
    app = make_app(sqlalchemy_url(dsn, login, module_databases["password"]))
    key = str(uuid.uuid4())
    with app.app_context():
        db.create_all()
        SessionManager.create_session(key)
        before = datetime.utcnow()
        message = MessageManager.add_message(key, "user", "hello", "router")
        loaded = db.session.get(ChatMessage, message.id)
        assert loaded.timestamp.tzinfo is not None
        assert abs(naive_utc(loaded.timestamp) - before) < timedelta(minutes=1)
        assert loaded.to_dict()["timestamp"].endswith("+00:00")

        start, end = datetime(2026, 12, 10, 9), datetime(2026, 12, 10, 10)
        event = CalendarManager.create_event("Call", start, end)
        stored = query(dsn, "SELECT start_time FROM assistant.calendar_events WHERE id = %s", (event.id,))[0][0]
        assert stored == start.replace(tzinfo=timezone.utc), "a naive time is read as UTC"
        loaded = db.session.get(CalendarEvent, event.id)
        aware = timezone.utc
        assert loaded.conflicts_with(start.replace(minute=30, tzinfo=aware), end.replace(hour=11, tzinfo=aware))
        assert not loaded.conflicts_with(end.replace(tzinfo=aware), end.replace(hour=11, tzinfo=aware))
        # The documented decision: comparing a loaded (aware) time with a naive one is refused by
        # Python rather than answered wrongly.
        with pytest.raises(TypeError):
            loaded.conflicts_with(start, end)
        db.session.remove()


def test_the_spec_retention_and_the_module_cleanups(module_databases):
    options = f"-csearch_path={SEARCH_PATH} -ctimezone=UTC"
    app = make_app(sqlalchemy_url(module_databases["ours"], module_databases["login"], module_databases["password"], options))
    dsn = module_databases["ours"]
    with app.app_context():
        for key, age in (("old-quiet", 40), ("old-busy", 40), ("recent", 3)):
            db.session.add(ChatSession(session_id=key, created_at=datetime.utcnow() - timedelta(days=age)))
        db.session.commit()
        MessageManager.add_message("old-busy", "user", "still here")
        save_agent_state("gone-session", "general", {"x": 1})
        query(dsn, "UPDATE assistant.agent_states SET updated_at = now() - interval '2 hours' "
                   "WHERE session_id = 'gone-session'")
        # The module's own cleanup: idle sessions only (old-busy had a message just now).
        assert query(dsn, "SELECT assistant.cleanup_old_sessions(30)") == [(1,)]
        assert ChatSession.query.filter_by(session_id="old-quiet").first() is None
        assert ChatSession.query.filter_by(session_id="old-busy").first() is not None
        # The spec's own DataRetentionManager still works against the module (its rule: created_at).
        assert DataRetentionManager.cleanup_old_sessions(30) == 1
        assert ChatMessage.query.filter_by(session_id="old-busy").count() == 0
        assert DataRetentionManager.cleanup_orphaned_agent_states() >= 1
        assert AgentState.query.filter_by(session_id="gone-session").first() is None
        db.session.remove()


def test_create_all_needs_no_ddl_privilege(module_databases):
    """On a migrated database the application's db.create_all() creates nothing; the app role has no
    CREATE on the schema (so a missing table would fail loudly, not land in the wrong schema)."""
    dsn = module_databases["ours"]
    assert query(dsn, "SELECT has_schema_privilege('agentdb_app', 'assistant', 'CREATE')") == [(False,)]
    options = f"-csearch_path={SEARCH_PATH} -ctimezone=UTC"
    app = make_app(sqlalchemy_url(dsn, module_databases["login"], module_databases["password"], options))
    with app.app_context():
        db.create_all()
        db.create_all()
        db.session.remove()


def app_connection(module_databases):
    parts = conninfo_to_dict(module_databases["ours"])
    return psycopg.connect(host=parts["host"], port=parts["port"], dbname=parts["dbname"],
                           user=module_databases["login"], password=module_databases["password"],
                           options=f"-csearch_path={SEARCH_PATH}", autocommit=True)


def run_threads(target, count):
    results, errors = [None] * count, [None] * count

    def worker(n):
        try:
            results[n] = target(n)
        except psycopg.Error as exc:
            errors[n] = exc

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    return threads, results, errors


def test_bookings_take_turns_even_for_slots_that_do_not_overlap(module_databases):
    """Deterministic interleaving: a booking left uncommitted holds the calendar's booking lock, so a
    booking of another day waits for it, on that advisory lock, and goes through once it commits.
    Without the lock, overlapping bookings inserting at once waited on each other's rows in cycles
    that PostgreSQL broke one per deadlock_timeout; eight at once could all run out of attempts."""
    holder, other = app_connection(module_databases), app_connection(module_databases)
    day = datetime(2027, 3, 5, tzinfo=timezone.utc)
    dsn = module_databases["ours"]
    try:
        holder.execute("BEGIN")
        holder.execute("SELECT id FROM book_event('first', %s, %s)", (day + timedelta(hours=10), day + timedelta(hours=11)))
        threads, results, errors = run_threads(lambda n: other.execute(
            "SELECT title FROM book_event('next day', %s, %s)",
            (day + timedelta(days=1, hours=10), day + timedelta(days=1, hours=11))).fetchone()[0], 1)
        assert wait_while_running_until_blocked(dsn, holder.info.backend_pid, threads[0]), \
            "a booking of another day did not wait for the uncommitted booking"
        assert query(dsn, "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted "
                          "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())") == [(1,)]
        holder.execute("COMMIT")
        threads[0].join(timeout=60)
        assert errors == [None] and results == ["next day"]
    finally:
        holder.close()
        other.close()


def test_get_or_create_session_racing_on_one_key_all_get_the_same_row(module_databases):
    key = "race-" + uuid.uuid4().hex
    connections = [app_connection(module_databases) for _ in range(8)]
    holder = app_connection(module_databases)
    try:
        holder.execute("BEGIN")
        held_id = holder.execute("SELECT id FROM get_or_create_session(%s)", (key,)).fetchone()[0]
        threads, results, errors = run_threads(
            lambda n: connections[n].execute("SELECT id FROM get_or_create_session(%s)", (key,)).fetchone()[0], 8)
        assert wait_while_running_until_blocked(module_databases["ours"], holder.info.backend_pid, *threads,
                                                count=8), "the eight never waited for the held insert"
        holder.execute("COMMIT")
        for thread in threads:
            thread.join(timeout=60)
        assert errors == [None] * 8
        assert results == [held_id] * 8
        assert query(module_databases["ours"], "SELECT count(*) FROM assistant.chat_sessions WHERE session_id = %s",
                     (key,)) == [(1,)]
    finally:
        for conn in [holder, *connections]:
            conn.close()


def test_eight_overlapping_bookings_at_once_exactly_one_wins(module_databases):
    connections = [app_connection(module_databases) for _ in range(8)]
    barrier = threading.Barrier(8)
    day = datetime(2027, 3, 1, tzinfo=timezone.utc)

    def book(n):
        barrier.wait()
        start = day + timedelta(hours=10, minutes=5 * n)
        return connections[n].execute("SELECT id FROM book_event(%s, %s, %s)",
                                      (f"slot {n}", start, start + timedelta(hours=1))).fetchone()[0]

    try:
        threads, results, errors = run_threads(book, 8)
        for thread in threads:
            thread.join(timeout=60)
        winners = [r for r in results if r is not None]
        assert len(winners) == 1, (results, errors)
        losers = [e for e in errors if e is not None]
        assert len(losers) == 7
        assert {e.sqlstate for e in losers} == {"23P01"}
        assert all(e.diag.message_detail == f"conflicting event id: {winners[0]}" for e in losers), \
            [e.diag.message_detail for e in losers]
        assert query(module_databases["ours"], "SELECT count(*) FROM assistant.calendar_events "
                     "WHERE start_time >= %s AND start_time < %s", (day, day + timedelta(days=1))) == [(1,)]
    finally:
        for conn in connections:
            conn.close()


def test_bookings_waiting_on_an_uncommitted_booking_name_it_when_it_commits(module_databases):
    """Deterministic interleaving: one booking holds the slot uncommitted; seven overlapping ones
    start and wait for it; the first commits; all seven fail naming it."""
    connections = [app_connection(module_databases) for _ in range(7)]
    holder = app_connection(module_databases)
    day = datetime(2027, 3, 2, tzinfo=timezone.utc)
    try:
        holder.execute("BEGIN")
        held = holder.execute("SELECT id FROM book_event('held', %s, %s)",
                              (day + timedelta(hours=10), day + timedelta(hours=11))).fetchone()[0]
        threads, results, errors = run_threads(
            lambda n: connections[n].execute(
                "SELECT id FROM book_event(%s, %s, %s)",
                (f"late {n}", day + timedelta(hours=9, minutes=10 * n), day + timedelta(hours=10, minutes=10 * n + 5))
            ).fetchone()[0], 7)
        assert wait_while_running_until_blocked(module_databases["ours"], holder.info.backend_pid, *threads,
                                                count=7), "the seven never waited for the held booking"
        holder.execute("COMMIT")
        for thread in threads:
            thread.join(timeout=60)
        assert results == [None] * 7
        assert {e.sqlstate for e in errors} == {"23P01"}
        assert all(f"conflicts with event {held} ('held'" in e.diag.message_primary for e in errors)
    finally:
        for conn in [holder, *connections]:
            conn.close()
