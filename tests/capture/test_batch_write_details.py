"""write_batch details: per-person seen times in a backlog, linking without the tracker, one NOTIFY per batch."""

from __future__ import annotations

import json
from datetime import timedelta

import psycopg
from sqlalchemy import select

from mhc_core.capture.listener import read_cursor
from mhc_core.db.models import Person, PersonAlias
from mhc_core.db.notify import CHANNEL_EVENTS, conninfo
from mhc_core.services import sessions, watchlists
from tests.capture.helpers import T0, B, at, rows, write
from tests.fakes import make_event


def test_a_backlog_batch_gives_each_person_their_own_first_and_last_seen(db) -> None:
    write(db, [at(1, 0, **make_event("chatMessage", "alice")),
               at(5, 1, **make_event("tip", "bob", tokens=3)),
               at(50, 2, **make_event("chatMessage", "alice", text="later")),
               at(20, 3, **make_event("follow", "alice")),  # out of order: still within alice's span
               at(9, 4, **make_event("userEnter", "smk_lover"))])
    with db.session() as s:
        found = {p.username: p for p in s.scalars(select(Person))}
        assert (found["alice"].first_seen_at, found["alice"].last_seen_at) == (
            T0 + timedelta(minutes=1), T0 + timedelta(minutes=50))
        assert (found["bob"].first_seen_at, found["bob"].last_seen_at) == (
            T0 + timedelta(minutes=5), T0 + timedelta(minutes=5))
        aliases = dict(s.execute(select(PersonAlias.username, PersonAlias.valid_from)).all())
        assert aliases["alice"] == T0 + timedelta(minutes=1)
        # Excluded on creation, and on the Excluded list, when first met in a batch too.
        assert found["smk_lover"].is_excluded and not found["alice"].is_excluded
        assert watchlists.names_for(s, found["smk_lover"].id) == ["Excluded"]
    # A later batch only moves last_seen_at forward; first_seen_at stays.
    write(db, [at(30, 5, **make_event("chatMessage", "alice", text="replayed late")),
               at(60, 6, **make_event("chatMessage", "bob"))])
    with db.session() as s:
        found = {p.username: p for p in s.scalars(select(Person))}
        assert (found["alice"].first_seen_at, found["alice"].last_seen_at) == (
            T0 + timedelta(minutes=1), T0 + timedelta(minutes=50))
        assert (found["bob"].first_seen_at, found["bob"].last_seen_at) == (
            T0 + timedelta(minutes=5), T0 + timedelta(minutes=60))
        assert len(s.scalars(select(PersonAlias)).all()) == 3


def test_a_batch_without_start_or_stop_links_to_the_live_session_read_at_its_start(db) -> None:
    with db.session() as s:
        live = sessions.start(s, B, at=T0 + timedelta(minutes=10))
    result = write(db, [at(5, 0, **make_event("chatMessage", "alice")),
                        at(11, 1, **make_event("tip", "bob", tokens=2)),
                        at(12, 2, **make_event("chatMessage", "carol", broadcaster="elsewhere"))])
    assert [(e["username"], e["session_id"]) for e in result.projected] == [("alice", None), ("bob", live.id)]
    assert rows(db, "SELECT stream_session_id FROM interactions ORDER BY timestamp") == [(None,), (live.id,)]
    assert not result.sessions_changed
    with db.session() as s:
        sessions.end(s, B, at=T0 + timedelta(minutes=13))
    write(db, [at(14, 3, **make_event("chatMessage", "alice", text="after"))])
    assert rows(db, "SELECT stream_session_id FROM interactions ORDER BY timestamp")[-1] == (None,)


def test_one_notify_per_batch_with_something_new_and_the_cursor_moves_either_way(db, database_url) -> None:
    batch = [at(1, 0, **make_event("chatMessage", "alice")), at(2, 1, **{"method": "mystery", "object": {}})]
    with psycopg.connect(conninfo(database_url), autocommit=True) as listener:
        listener.execute(f'LISTEN "{CHANNEL_EVENTS}"')
        first = write(db, batch, cursor="one")
        again = write(db, batch, cursor="two")  # a replay: nothing new, no NOTIFY, cursor still saved
        notes = list(listener.notifies(timeout=0.5))
    assert (first.journaled, again.journaled) == (2, 0)
    assert [json.loads(n.payload) for n in notes] == [
        {"broadcaster": B, "count": 2, "max_id": first.max_log_id}]
    with db.session() as s:
        assert read_cursor(s, B) == "two"
