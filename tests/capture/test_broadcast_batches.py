"""A batch that starts or stops a broadcast goes through the same write as any other: exactly once, one NOTIFY,
the cursor in the same transaction, and the event-by-event fallback when the database refuses one event."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import psycopg
from sqlalchemy import text

from mhc_core.capture.listener import read_cursor
from mhc_core.db import Database
from mhc_core.db.notify import CHANNEL_EVENTS, conninfo
from tests.capture.helpers import T0, B, at, rows, scalar, write
from tests.fakes import make_event


@contextmanager
def notices(database_url: str) -> Iterator[list[dict]]:
    """The NOTIFY payloads on the events channel, committed while the block runs."""
    found: list[dict] = []
    with psycopg.connect(conninfo(database_url), autocommit=True) as conn:
        conn.execute(f'LISTEN "{CHANNEL_EVENTS}"')
        yield found
        found.extend(json.loads(n.payload) for n in conn.notifies(timeout=0.5))


def sessions_table(db: Database) -> list[tuple]:
    return rows(db, "SELECT id, status, started_at, ended_at FROM stream_sessions ORDER BY id")


def test_a_replayed_broadcast_batch_opens_nothing_and_projects_only_what_is_new(db, database_url) -> None:
    batch = [at(0, 0, **make_event("broadcastStart", B)), at(1, 1, **make_event("chatMessage", "alice")),
             at(2, 2, **make_event("broadcastStop", B)), at(3, 3, **{"method": "mystery", "object": {}})]
    with notices(database_url) as notes:
        first = write(db, batch, cursor="one")
        again = write(db, [*batch, at(4, 4, **make_event("follow", "bob"))], cursor="two")
    assert (first.journaled, first.errors, first.sessions_changed) == (4, 1, True)
    assert (again.journaled, again.sessions_changed) == (1, False)
    assert [e["type"] for e in again.projected] == ["FOLLOW"]
    assert notes == [{"broadcaster": B, "count": 4, "max_id": first.max_log_id},
                     {"broadcaster": B, "count": 1, "max_id": again.max_log_id}]
    assert sessions_table(db) == [(1, "ENDED", T0, T0 + timedelta(minutes=2))]
    assert rows(db, "SELECT type, stream_session_id FROM interactions ORDER BY timestamp") == [
        ("BROADCAST_START", 1), ("CHAT_MESSAGE", 1), ("BROADCAST_STOP", 1), ("FOLLOW", None)]
    with db.session() as s:
        assert read_cursor(s, B) == "two"


def test_only_the_new_broadcasts_of_a_partly_replayed_batch_change_sessions(db) -> None:
    start = at(0, 0, **make_event("broadcastStart", B))
    write(db, [start, at(1, 1, **make_event("chatMessage", "alice"))])
    result = write(db, [start, at(2, 2, **make_event("chatMessage", "carol")),
                        at(3, 3, **make_event("broadcastStop", B)),
                        at(4, 4, **make_event("chatMessage", "carol", text="after"))])
    assert [(e["type"], e["session_id"]) for e in result.projected] == [
        ("CHAT_MESSAGE", 1), ("BROADCAST_STOP", 1), ("CHAT_MESSAGE", None)]
    assert sessions_table(db) == [(1, "ENDED", T0, T0 + timedelta(minutes=3))]
    assert scalar(db, "SELECT count(*) FROM interactions WHERE type = 'BROADCAST_START'") == 1


def test_a_batch_with_nothing_new_only_moves_the_cursor(db, database_url) -> None:
    batch = [at(0, 0, **make_event("broadcastStart", B)), at(1, 1, **make_event("chatMessage", "alice"))]
    write(db, batch, cursor="one")
    with notices(database_url) as notes:
        again = write(db, batch, cursor="two")
    assert (again.journaled, again.projected, notes) == (0, [], [])
    with db.session() as s:
        assert read_cursor(s, B) == "two"


@contextmanager
def refusing(db: Database, content: str) -> Iterator[None]:
    """The database refuses any interaction with this content (as it would an event it cannot hold)."""
    with db.engine.begin() as conn:
        conn.execute(text(f"ALTER TABLE interactions ADD CONSTRAINT test_refused CHECK (content <> '{content}')"))
    try:
        yield
    finally:
        with db.engine.begin() as conn:
            conn.execute(text("ALTER TABLE interactions DROP CONSTRAINT test_refused"))


def test_a_refused_event_in_a_broadcast_batch_is_journaled_alone_and_the_rest_lands(db) -> None:
    batch = [at(0, 0, **make_event("broadcastStart", B)), at(1, 1, **make_event("chatMessage", "alice")),
             at(2, 2, **make_event("chatMessage", "mallory", text="refuse me")),
             at(3, 3, **make_event("broadcastStop", B))]
    with refusing(db, "refuse me"):
        result = write(db, batch, cursor="after")
    assert (result.journaled, result.errors, result.sessions_changed) == (4, 1, True)
    [(sid, *session)] = sessions_table(db)  # its id is not 1: the refused batch's savepoint used one up
    assert session == ["ENDED", T0, T0 + timedelta(minutes=3)]
    assert rows(db, "SELECT type, stream_session_id FROM interactions ORDER BY timestamp") == [
        ("BROADCAST_START", sid), ("CHAT_MESSAGE", sid), ("BROADCAST_STOP", sid)]
    error = scalar(db, "SELECT error FROM event_log WHERE event_id = :e", e=batch[2].event_id)
    assert "not projected: the database refused it" in error and "test_refused" in error
    with db.session() as s:
        assert read_cursor(s, B) == "after"
