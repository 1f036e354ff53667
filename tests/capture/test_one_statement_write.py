"""The one-statement write of a batch without broadcastStart/Stop: same outcome as the multi-statement path."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import psycopg
from sqlalchemy import select, text

from mhc_core.capture.listener import needs_transaction, read_cursor
from mhc_core.db.models import Person
from mhc_core.db.notify import CHANNEL_EVENTS, conninfo
from mhc_core.services import persons, watchlists
from tests.capture.helpers import T0, B, at, rows, scalar, write
from tests.fakes import make_event


def test_the_row_json_is_the_journal_row_and_its_projection() -> None:
    e = at(1, 0, **make_event("tip", "Alice", tokens=5, tip_message="| thanks é"))
    row = json.loads(e.row_json)
    assert row["event_id"] == e.event_id and row["method"] == "tip" and row["error"] is None
    assert row["payload"] == json.loads(e.payload_json)
    assert datetime.fromisoformat(row["event_time"]) == e.event_time
    assert datetime.fromisoformat(row["received_at"]) == e.received_at
    assert row["p"] == {"u": "alice", "type": e.projection.type, "content": "thanks é", "meta": e.projection.metadata}
    foreign = at(2, 1, **make_event("chatMessage", "bob", broadcaster="elsewhere"))
    row = json.loads(foreign.row_json)
    assert "p" not in row and "not projected" in row["error"]


def test_only_events_new_to_the_journal_are_projected_and_move_first_and_last_seen(db) -> None:
    first = [at(10, 0, **make_event("chatMessage", "alice")), at(20, 1, **make_event("tip", "bob", tokens=1))]
    write(db, first, cursor="one")
    # Replayed alongside new events: the replayed ones (even later in the feed) count for nothing.
    replay = [at(40, 2, **make_event("chatMessage", "bob", text="new")), *first,
              at(30, 3, **make_event("follow", "alice"))]
    result = write(db, replay, cursor="two")
    assert result.journaled == 2
    assert [(e["username"], e["type"]) for e in result.projected] == [("bob", "CHAT_MESSAGE"), ("alice", "FOLLOW")]
    assert scalar(db, "SELECT count(*) FROM interactions") == 4
    assert scalar(db, "SELECT count(DISTINCT event_id) FROM interactions") == 4
    with db.session() as s:
        found = {p.username: p for p in s.scalars(select(Person))}
        assert (found["alice"].first_seen_at, found["alice"].last_seen_at) == (
            T0 + timedelta(minutes=10), T0 + timedelta(minutes=30))
        assert (found["bob"].first_seen_at, found["bob"].last_seen_at) == (
            T0 + timedelta(minutes=20), T0 + timedelta(minutes=40))
        assert read_cursor(s, B) == "two"


def test_interactions_keep_feed_order_and_journal_ids_follow_it(db) -> None:
    batch = [at(5 - i, i, **make_event("chatMessage", f"user_{i}", text=str(i))) for i in range(5)]
    result = write(db, batch)
    assert rows(db, "SELECT event_id FROM event_log ORDER BY id") == [(e.event_id,) for e in batch]
    assert rows(db, "SELECT event_id FROM interactions ORDER BY id") == [(e.event_id,) for e in batch]
    assert result.max_log_id == scalar(db, "SELECT max(id) FROM event_log")
    assert result.last_event_at == T0 + timedelta(minutes=5)


def test_journal_only_writes_no_person_and_no_interaction_but_moves_the_cursor_and_notifies(
    db, database_url
) -> None:
    batch = [at(1, 0, **make_event("chatMessage", "alice")), at(2, 1, **make_event("tip", "bob", tokens=3))]
    assert not needs_transaction(batch, project=False)
    with psycopg.connect(conninfo(database_url), autocommit=True) as listener:
        listener.execute(f'LISTEN "{CHANNEL_EVENTS}"')
        result = write(db, batch, cursor="raw", project=False)
        notes = list(listener.notifies(timeout=0.5))
    assert (result.journaled, result.projected) == (2, [])
    assert [json.loads(n.payload) for n in notes] == [{"broadcaster": B, "count": 2, "max_id": result.max_log_id}]
    assert scalar(db, "SELECT count(*) FROM interactions") == 0
    assert scalar(db, "SELECT count(*) FROM persons") == 0
    with db.session() as s:
        assert read_cursor(s, B) == "raw"


def test_an_empty_batch_only_moves_the_cursor(db) -> None:
    result = write(db, [], cursor="empty")
    assert (result.journaled, result.max_log_id, result.projected) == (0, None, [])
    with db.session() as s:
        assert read_cursor(s, B) == "empty"


def test_broadcast_batches_take_the_session_tracker_path() -> None:
    chat = at(1, 0, **make_event("chatMessage", "alice"))
    start = at(2, 1, **make_event("broadcastStart", B))
    assert not needs_transaction([chat])
    assert needs_transaction([chat, start]) and not needs_transaction([chat, start], project=False)


def test_an_excluded_account_met_in_a_batch_recreates_a_removed_excluded_list(db) -> None:
    with db.session() as s:
        s.execute(text("DELETE FROM watchlists WHERE name = 'Excluded'"))
    write(db, [at(1, 0, **make_event("chatMessage", "smk_lover")), at(2, 1, **make_event("chatMessage", "alice"))])
    with db.session() as s:
        found = {p.username: p for p in s.scalars(select(Person))}
        assert found["smk_lover"].is_excluded and not found["alice"].is_excluded
        assert watchlists.names_for(s, found["smk_lover"].id) == ["Excluded"]
        assert watchlists.names_for(s, found["alice"].id) == []
    # Once only: a later batch with the same account adds nothing.
    write(db, [at(3, 2, **make_event("chatMessage", "smk_lover"))])
    assert scalar(db, "SELECT count(*) FROM watchlist_members") == 1
    assert scalar(db, "SELECT count(*) FROM watchlists WHERE name = 'Excluded'") == 1


def test_ensure_persons_excludes_on_creation_only_in_one_statement(db) -> None:
    with db.session() as s:
        ids = persons.ensure_persons(s, ["smk_lover", "carol"])
        excluded = s.get(Person, ids["smk_lover"])
        assert excluded.is_excluded and watchlists.names_for(s, excluded.id) == ["Excluded"]
        persons.set_excluded(s, excluded, False)  # un-excluded by hand: meeting the account again keeps that
    with db.session() as s:
        persons.ensure_persons(s, ["smk_lover"])
        again = s.get(Person, ids["smk_lover"])
        assert not again.is_excluded and watchlists.names_for(s, again.id) == []
