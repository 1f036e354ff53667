"""The data door against a real Postgres: each view built from stored rows, each write seen by the next read."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from mhc_core.config import Settings
from mhc_core.data.door import Data
from mhc_core.data.errors import Gone, InvalidAttribute, NoLiveSession, NothingToLookUp, SessionAlreadyLive
from mhc_core.data.views import PersonView
from mhc_core.db import Database
from mhc_core.db.models import Base, EventLog
from mhc_core.kinds import InteractionSource, SnapshotSource
from mhc_core.services import attributes, interactions, persons, sessions, snapshots, watchlists

B = "hudson_cage"
T0 = datetime(2026, 11, 24, 20, 0, tzinfo=UTC)
NOW = T0 + timedelta(hours=1, minutes=30)


@pytest.fixture
def data(db: Database, settings: Settings) -> Data:
    return Data(db, settings, clock=lambda: NOW)


def _values(view: Any) -> Iterator[Any]:
    """Every value held in a view, however deep (dataclass fields, tuples, mappings)."""
    yield view
    if dataclasses.is_dataclass(view) and not isinstance(view, type):
        for f in dataclasses.fields(view):
            yield from _values(getattr(view, f.name))
    elif isinstance(view, tuple | list):
        for item in view:
            yield from _values(item)
    elif isinstance(view, dict):
        for item in view.values():
            yield from _values(item)


def assert_plain(view: Any) -> None:
    """Frozen all the way down and not one ORM object inside."""
    assert not [v for v in _values(view) if isinstance(v, Base)]
    for v in _values(view):
        if dataclasses.is_dataclass(v) and not isinstance(v, type):
            first = dataclasses.fields(v)[0].name
            with pytest.raises(dataclasses.FrozenInstanceError):
                setattr(v, first, getattr(v, first))


def person(data: Data, who: uuid.UUID | str, **options: Any) -> PersonView:
    found = data.person(who, **options)
    assert found is not None
    return found


def _seed_person(db: Database) -> uuid.UUID:
    """carol_x, once called carol_old: two Statbate member snapshots, chat and a tip in a session, a note,
    a tag, on Friends."""
    with db.session() as s:
        carol = persons.find_or_create(s, "carol_old", seen_at=T0 - timedelta(days=30))
        persons.rename(s, carol, "carol_x", at=T0 - timedelta(days=2))
        live = sessions.start(s, B, at=T0)
        for when, tokens in ((T0 - timedelta(days=1), 9_000), (T0 + timedelta(minutes=5), 9_800)):
            snapshots.append(s, carol.id, SnapshotSource.STATBATE_MEMBER.value, {"raw": True},
                             {"all_time_tokens": tokens, "last_tip_date": "2026-11-20"}, captured_at=when)
        interactions.append(s, carol.id, "CHAT_MESSAGE", content="hi", timestamp=T0 + timedelta(minutes=10),
                            source=InteractionSource.CB_EVENTS.value, stream_session_id=live.id, event_id="e1")
        interactions.append(s, carol.id, "TIP_EVENT", content="song", timestamp=T0 + timedelta(minutes=20),
                            source=InteractionSource.CB_EVENTS.value, metadata={"tokens": 500},
                            stream_session_id=live.id, event_id="e2")
        attributes.set_attribute(s, carol.id, "city", "Lisbon", confidence="high", evidence_type="chat")
        watchlists.set_member(s, watchlists.by_name(s, "Friends"), carol, True)
        return carol.id


def test_a_person_is_built_from_the_stored_rows(db, data) -> None:
    carol = _seed_person(db)
    data.add_note(carol, "likes synthwave")
    view = data.person("carol_x")
    assert view is not None
    assert_plain(view)
    assert (view.id, view.username, view.role, view.is_excluded) == (carol, "carol_x", "UNKNOWN", False)
    assert [(a.username, a.valid_to is None) for a in view.aliases] == [("carol_old", False), ("carol_x", True)]
    (reading,) = view.readings
    assert (reading.source, reading.metrics["all_time_tokens"]) == ("statbate_member", 9_800)
    assert reading.delta == {"all_time_tokens": 800, "last_tip_date": None}
    assert [i.type for i in view.recent_interactions] == ["MANUAL_NOTE", "TIP_EVENT", "CHAT_MESSAGE"]
    assert view.recent_interactions[1].tokens == 500
    assert [(n.content, n.timestamp, n.stream_session_id is not None) for n in view.notes] == [
        ("likes synthwave", NOW, True)]
    assert view.notes_total == 1
    assert [(a.key, a.value, a.confidence) for a in view.attributes] == [("city", "Lisbon", "high")]
    assert view.list_names == ["Friends"]
    assert [item.name for item in view.lists][:1] == ["Friends"] and len(view.lists) == 5
    assert view.room is not None
    assert (view.room.tip_tokens, view.room.tips, view.room.chat_messages, view.room.sessions_attended) == (
        500, 1, 1, 1)
    # The same person by id and by a name they had; the room figures only when asked for.
    assert data.person(carol) == view
    assert data.person("@Carol_Old") == view
    assert person(data, carol, room=False).room is None
    assert data.person("nobody_here") is None
    assert data.person(uuid.uuid4()) is None


def test_person_json_is_the_person_shape(db, data) -> None:
    carol = _seed_person(db)
    view = data.person(carol, recent=1)
    assert view is not None
    out = view.as_json()
    assert list(out) == ["id", "username", "role", "rid", "did", "is_excluded", "aliases", "first_seen_at",
                         "last_seen_at", "snapshots", "recent_interactions", "watchlists", "attributes"]
    assert out["id"] == str(carol)
    assert out["aliases"][0] == {"username": "carol_old", "valid_from": (T0 - timedelta(days=30)).isoformat(),
                                 "valid_to": (T0 - timedelta(days=2)).isoformat()}
    assert out["snapshots"] == {"statbate_member": {
        "captured_at": (T0 + timedelta(minutes=5)).isoformat(),
        "metrics": {"all_time_tokens": 9_800, "last_tip_date": "2026-11-20"},
        "delta": {"all_time_tokens": 800, "last_tip_date": None},
    }}
    assert out["recent_interactions"] == [{"type": "TIP_EVENT", "content": "song",
                                           "timestamp": (T0 + timedelta(minutes=20)).isoformat(),
                                           "source": "cb_events", "metadata": {"tokens": 500}}]
    assert out["watchlists"] == ["Friends"]
    assert out["attributes"] == [{"id": out["attributes"][0]["id"], "key": "city", "value": "Lisbon",
                                  "confidence": "high", "evidence_type": "chat", "evidence_id": None,
                                  "updated_at": out["attributes"][0]["updated_at"]}]


def test_notes_attributes_and_lists_written_are_seen_by_the_next_read(db, data) -> None:
    carol = _seed_person(db)
    note = data.add_note("new_fan", "first time here")  # by name: created if new
    assert (note.username, note.content, note.timestamp) == ("new_fan", "first time here", NOW)
    assert note.as_json() == {"username": "new_fan", "note": "first time here", "timestamp": NOW.isoformat(),
                              "stream_session_id": note.stream_session_id}
    assert person(data, "new_fan").notes_total == 1

    tag = data.save_attribute(carol, "tag", "regular")
    edited = data.save_attribute(carol, "tag", "big tipper", confidence="low", replaces=tag.id)
    assert [(a.key, a.value, a.confidence) for a in person(data, carol).attributes] == [
        ("city", "Lisbon", "high"), ("tag", "big tipper", "low")]
    data.remove_attribute(edited.id)
    assert [a.value for a in person(data, carol).attributes] == ["Lisbon"]
    with pytest.raises(InvalidAttribute):
        data.save_attribute(carol, "", "x")

    lists = person(data, carol).lists
    friends, excluded = (next(item for item in lists if item.name == name) for name in ("Friends", "Excluded"))
    data.set_list_member(carol, friends.id, False)
    data.set_list_member(carol, excluded.id, True)
    after = person(data, carol)
    assert after.list_names == ["Excluded"] and after.is_excluded
    with pytest.raises(Gone):
        data.set_list_member(uuid.uuid4(), friends.id, True)
    with pytest.raises(Gone):
        data.add_note(uuid.uuid4(), "to nobody")


def test_an_interactions_page_and_a_stats_timeline(db, data) -> None:
    carol = _seed_person(db)
    page = data.interactions(carol, limit=1)
    assert (page.total, [i.type for i in page.items], page.items[0].username) == (2, ["TIP_EVENT"], "carol_x")
    assert [i.content for i in data.interactions(carol, types=["CHAT_MESSAGE"]).items] == ["hi"]
    assert data.interactions(carol, since=T0 + timedelta(minutes=15)).total == 1
    assert data.interactions(uuid.uuid4()).total == 0

    timeline = data.stats_timeline(carol)  # no source asked: the first with snapshots
    assert timeline.source == "statbate_member"
    assert [(r.metrics["all_time_tokens"], r.delta) for r in timeline.readings] == [
        (9_000, None), (9_800, {"all_time_tokens": 800, "last_tip_date": None})]
    assert data.stats_timeline(carol, "cb_stats").readings == ()
    assert data.stats_timeline(uuid.uuid4()).source is None


def test_sessions_started_and_ended_through_the_door(db, data) -> None:
    assert data.current_session() is None
    started = data.start_session()
    assert (started.status, started.started_at, started.duration_seconds, started.live) == ("LIVE", NOW, 0, True)
    with pytest.raises(SessionAlreadyLive):
        data.start_session()
    data.add_note("fan_1", "in the session")
    assert data.current_session() == started
    ended = data.end_session()
    assert (ended.id, ended.status, ended.ended_at) == (started.id, "ENDED", NOW)
    with pytest.raises(NoLiveSession):
        data.end_session()
    assert [s.id for s in data.sessions().sessions] == [started.id]
    detail = data.session(started.id)
    assert detail is not None
    assert [(i.username, i.content) for i in detail.interactions] == [("fan_1", "in the session")]
    tips = data.session(started.id, types=["TIP_EVENT"])
    assert tips is not None and tips.interactions == ()
    assert data.session(started.id + 1) is None


def test_session_figures_and_json(db, data) -> None:
    _seed_person(db)
    live = data.current_session()
    assert live is not None
    assert (live.tokens, live.tips, live.chat_messages, live.unique_chatters, live.duration_seconds) == (
        500, 1, 1, 1, 90 * 60)
    assert [(t.username, t.tokens) for t in live.top_tippers] == [("carol_x", 500)]
    out = live.as_json()
    assert list(out) == ["id", "status", "origin", "started_at", "ended_at", "duration_seconds", "tokens", "tips",
                         "chat_messages", "private_messages", "unique_chatters", "follows", "unfollows",
                         "media_tokens", "top_tippers"]
    assert out["top_tippers"] == [{"username": "carol_x", "tokens": 500}] and out["ended_at"] is None
    detail = data.session(live.id)
    assert detail is not None
    shown = detail.as_json()
    assert shown["interactions"][1] == {"username": "carol_x", "type": "TIP_EVENT", "content": "song",
                                        "timestamp": (T0 + timedelta(minutes=20)).isoformat(),
                                        "source": "cb_events", "metadata": {"tokens": 500}}
    assert data.sessions().as_json() == [out]


def test_another_broadcasters_session_is_not_shown(db, data) -> None:
    with db.session() as s:
        theirs = sessions.start(s, "someone_else", at=T0)
    assert data.session(theirs.id) is None
    assert data.sessions().sessions == ()


def _seed_room(db: Database) -> dict[str, uuid.UUID]:
    with db.session() as s:
        me = persons.find_or_create(s, B, role="MODEL")
        live = sessions.start(s, B, at=T0)
        ids = {B: me.id}
        events = [("alice_01", "USER_ENTER", None, None, 1), ("bob_2", "USER_ENTER", None, None, 2),
                  ("bob_2", "TIP_EVENT", "hey", 100, 3), ("alice_01", "USER_LEAVE", None, None, 4),
                  ("bob_2", "CHAT_MESSAGE", "hello", None, 5)]
        for name, kind, content, tokens, minute in events:
            person = persons.find_or_create(s, name)
            ids[name] = person.id
            interactions.append(s, person.id, kind, content=content, timestamp=T0 + timedelta(minutes=minute),
                                source=InteractionSource.CB_EVENTS.value, event_id=f"room-{minute}",
                                metadata={"tokens": tokens} if tokens else {}, stream_session_id=live.id)
        for minute, followers in ((-10, 1_200), (25, 1_206)):
            snapshots.append(s, me.id, SnapshotSource.CB_STATS.value, {}, {"num_followers": followers},
                             captured_at=T0 + timedelta(minutes=minute))
        s.add(EventLog(event_id="journal-1", broadcaster=B, method="chatMessage", payload={},
                       event_time=T0 + timedelta(minutes=5), received_at=T0 + timedelta(minutes=5)))
    return ids


def test_the_dashboard_room_and_health_summary(db, data) -> None:
    ids = _seed_room(db)
    board = data.dashboard()
    assert_plain(board)
    assert board.live is not None and board.live.tokens == 100
    assert [s.id for s in board.recent] == [board.live.id]
    assert board.reading is not None and board.reading.metrics == {"num_followers": 1_206}
    assert board.reading.delta == {"num_followers": 6} and board.since_session == {"num_followers": 6}
    assert [(e.username, e.tokens) for e in board.room.entries] == [("bob_2", 100)]
    assert data.room() == board.room
    summary = data.live_summary()
    assert (summary.session_id, summary.tokens, summary.last_event_at) == (
        board.live.id, 100, T0 + timedelta(minutes=5))
    assert ids["bob_2"] == board.room.entries[0].person_id


def test_feed_pages(db, data) -> None:
    _seed_room(db)
    newest = data.feed_page(limit=2)
    assert [i.type for i in newest.items] == ["USER_LEAVE", "CHAT_MESSAGE"] and newest.types is None
    first = data.feed_page(limit=10).items[0]
    after = data.feed_page(after_id=first.id, limit=10)
    assert len(after.items) == 4 and after.after_id == first.id and after.last_id == newest.items[-1].id
    tips = data.feed_page({"TIP_EVENT"})
    assert [(i.username, i.tokens) for i in tips.items] == [("bob_2", 100)] and tips.types == {"TIP_EVENT"}
    assert data.feed_page(after_id=newest.items[-1].id).items == ()


def test_hudson_view_and_its_json(db, data) -> None:
    _seed_room(db)
    view = data.hudson(recent=2)
    assert_plain(view)
    out = view.as_json()
    assert list(out) == ["broadcaster", "stats", "current_session", "recent_sessions", "recent_interactions"]
    assert out["broadcaster"] == B and out["stats"]["metrics"] == {"num_followers": 1_206}
    assert out["current_session"] == out["recent_sessions"][0]
    assert [(i["username"], i["type"]) for i in out["recent_interactions"]] == [
        ("bob_2", "CHAT_MESSAGE"), ("alice_01", "USER_LEAVE")]


def test_an_empty_database_gives_empty_views(data) -> None:
    board = data.dashboard()
    assert (board.live, board.reading, board.since_session, board.recent, board.room.entries) == (
        None, None, None, (), ())
    assert data.hudson().as_json() == {"broadcaster": B, "stats": None, "current_session": None,
                                       "recent_sessions": [], "recent_interactions": []}
    assert data.feed_page().items == () and data.known_usernames("a") == ()


def test_a_lookup_resolves_everyone_in_a_paste_and_keeps_it(db, data) -> None:
    result = data.lookup(paste="User alice_1 has joined the room.\nbob_2: hi\n")
    assert_plain(result)
    assert isinstance(result.person, PersonView) and result.person.username == "alice_1"
    assert [p.username for p in result.people] == ["alice_1", "bob_2"]
    assert result.extracted_usernames == ("alice_1", "bob_2") and result.problems == ()
    assert result.person.recent_interactions[0].type == "PROFILE_PASTE"
    assert result.as_json(with_statbate=False) == {
        "person": result.person.as_json(), "extracted_usernames": ["alice_1", "bob_2"], "errors": []}
    assert data.known_usernames("b") == ("bob_2",)
    with pytest.raises(NothingToLookUp):
        data.lookup(paste="nobody named here")


def test_a_lookup_asking_statbate_without_a_token_says_so(data) -> None:
    result = data.lookup("viewer_9", role="VIEWER", statbate=True, room=False)
    assert result.person.role == "VIEWER" and result.person.room is None
    assert [(p.source, p.message) for p in result.problems] == [
        ("statbate", "Statbate is not configured (set MHC_STATBATE_TOKEN)")]
    assert result.as_json(with_statbate=True)["statbate"] == {"viewer_9": {"member": "not_asked",
                                                                           "model": "not_asked",
                                                                           "member_model": "not_asked"}}
