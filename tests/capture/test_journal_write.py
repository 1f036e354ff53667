"""One batch, one transaction: journal, persons, interactions, sessions and cursor (real Postgres)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from mhc_core.capture.listener import read_cursor
from mhc_core.db.models import Interaction, Person, StreamSession
from mhc_core.services import sessions
from tests.capture.helpers import T0, B, at, rows, scalar, write
from tests.fakes import make_event


def test_a_replayed_batch_stores_nothing_twice(db) -> None:
    batch = [at(1, 0, **make_event("chatMessage", "alice", text="hi")),
             at(2, 1, **make_event("tip", "bob", tokens=10)),
             at(3, 2, **{"method": "mystery", "object": {}})]
    first = write(db, batch, cursor="one")
    again = write(db, batch + [at(4, 3, **make_event("follow", "carol"))], cursor="two")
    assert (first.journaled, first.errors, again.journaled) == (3, 1, 1)
    assert scalar(db, "SELECT count(*) FROM event_log") == 4
    assert scalar(db, "SELECT count(*) FROM interactions") == 3
    assert [r[0] for r in rows(db, "SELECT type FROM interactions ORDER BY timestamp")] == [
        "CHAT_MESSAGE", "TIP_EVENT", "FOLLOW"]
    with db.session() as s:
        assert read_cursor(s, B) == "two"
        names = set(s.scalars(select(Person.username)))
    assert {"alice", "bob", "carol"} <= names


def test_start_chat_stop_in_one_batch_link_to_one_session(db) -> None:
    write(db, [at(0, 0, **make_event("broadcastStart", B)),
               at(1, 1, **make_event("chatMessage", "alice")),
               at(2, 2, **make_event("broadcastStop", B)),
               at(3, 3, **make_event("chatMessage", "alice", text="after"))])
    links = rows(db, "SELECT type, stream_session_id FROM interactions ORDER BY timestamp")
    assert links == [("BROADCAST_START", 1), ("CHAT_MESSAGE", 1), ("BROADCAST_STOP", 1), ("CHAT_MESSAGE", None)]
    with db.session() as s:
        only = s.scalars(select(StreamSession)).one()
        assert (only.status, only.origin, only.started_at, only.ended_at) == (
            "ENDED", "auto", T0, T0 + timedelta(minutes=2))


def test_a_start_inside_the_merge_gap_continues_the_session_outside_starts_a_new_one(db) -> None:
    write(db, [at(0, 0, **make_event("broadcastStart", B)), at(10, 1, **make_event("broadcastStop", B))])
    write(db, [at(35, 2, **make_event("broadcastStart", B)),  # 25 min after the stop: within 30
               at(36, 3, **make_event("chatMessage", "alice")),
               at(40, 4, **make_event("broadcastStop", B))])
    write(db, [at(75, 5, **make_event("broadcastStart", B)),  # 35 min after the stop: a new stream
               at(76, 6, **make_event("tip", "bob", tokens=5))])
    with db.session() as s:
        found = s.scalars(select(StreamSession).order_by(StreamSession.id)).all()
        assert [(x.id, x.status) for x in found] == [(1, "ENDED"), (2, "LIVE")]
        assert found[0].started_at == T0 and found[0].ended_at == T0 + timedelta(minutes=40)
        assert found[1].started_at == T0 + timedelta(minutes=75)
        chat = s.scalars(select(Interaction).where(Interaction.type == "CHAT_MESSAGE")).one()
        tip = s.scalars(select(Interaction).where(Interaction.type == "TIP_EVENT")).one()
        assert (chat.stream_session_id, tip.stream_session_id) == (1, 2)
        assert sessions.stats(s, found[1]).tokens == 5


def test_manual_sessions_are_respected_between_batches(db) -> None:
    with db.session() as s:
        manual = sessions.start(s, B, at=T0)
    write(db, [at(1, 0, **make_event("broadcastStart", B)), at(2, 1, **make_event("chatMessage", "alice"))])
    with db.session() as s:
        sessions.end(s, B, at=T0 + timedelta(minutes=3))
    write(db, [at(4, 2, **make_event("chatMessage", "alice", text="between"))])
    links = rows(db, "SELECT type, content, stream_session_id FROM interactions ORDER BY timestamp")
    assert links == [("BROADCAST_START", None, manual.id), ("CHAT_MESSAGE", "hello", manual.id),
                     ("CHAT_MESSAGE", "between", None)]
    assert scalar(db, "SELECT count(*) FROM stream_sessions") == 1


def test_an_event_before_the_live_session_started_is_not_linked(db) -> None:
    with db.session() as s:
        sessions.start(s, B, at=T0 + timedelta(minutes=10))
    write(db, [at(5, 0, **make_event("chatMessage", "alice")), at(11, 1, **make_event("chatMessage", "bob"))])
    assert rows(db, "SELECT stream_session_id FROM interactions ORDER BY timestamp") == [(None,), (1,)]


def test_journal_keeps_event_time_and_received_time_and_errors(db) -> None:
    write(db, [at(1, 0, **make_event("chatMessage", "eve", text="a\x00b")),
               at(2, 1, **make_event("chatMessage", "mallory", broadcaster="other_room"))])
    journal = rows(db, "SELECT method, event_time, received_at > event_time, error FROM event_log ORDER BY id")
    assert journal[0][:3] == ("chatMessage", T0 + timedelta(minutes=1), True)
    assert "NUL" in journal[0][3] and "other_room" in journal[1][3]
    assert rows(db, "SELECT content FROM interactions") == [("ab",)]
