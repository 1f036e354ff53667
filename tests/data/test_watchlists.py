"""Watchlists and tags through the data door, on a real Postgres: exclusion and session figures, own lists,
the members' figures (online status from stored rows), one value per tag key, evidence checked."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from mhc_core.config import Settings
from mhc_core.data.door import Data
from mhc_core.data.errors import InvalidAttribute, InvalidUsername, UnknownWatchlist
from mhc_core.db import Database
from mhc_core.kinds import SEEDED_WATCHLISTS, InteractionSource, SnapshotSource
from mhc_core.services import interactions, persons, sessions, snapshots
from mhc_core.services.watchlists import ListRefused

B = "hudson_cage"
T0 = datetime(2026, 11, 24, 20, 0, tzinfo=UTC)
NOW = T0 + timedelta(hours=2)
ROOM = InteractionSource.CB_EVENTS.value


@pytest.fixture
def data(db: Database, settings: Settings) -> Data:
    return Data(db, settings, clock=lambda: NOW)


def _tip(s, person_id, session_id, at, tokens, n):  # type: ignore[no-untyped-def]
    interactions.append(s, person_id, "TIP_EVENT", timestamp=at, source=ROOM, metadata={"tokens": tokens},
                        event_id=f"tip-{n}", stream_session_id=session_id)


@pytest.fixture
def room(db: Database) -> dict[str, int]:
    """An ended session and a LIVE one, each tipped by big_tipper (most) and small_tipper."""
    with db.session() as s:
        persons.find_or_create(s, B, role="MODEL")
        big = persons.find_or_create(s, "big_tipper")
        small = persons.find_or_create(s, "small_tipper")
        ended = sessions.start(s, B, at=T0 - timedelta(days=1))
        _tip(s, big.id, ended.id, T0 - timedelta(days=1) + timedelta(minutes=5), 1000, 1)
        _tip(s, small.id, ended.id, T0 - timedelta(days=1) + timedelta(minutes=6), 10, 2)
        sessions.end(s, B, at=T0 - timedelta(days=1) + timedelta(hours=1))
        live = sessions.start(s, B, at=T0)
        _tip(s, big.id, live.id, T0 + timedelta(minutes=5), 500, 3)
        _tip(s, small.id, live.id, T0 + timedelta(minutes=6), 20, 4)
        return {"ended": ended.id, "live": live.id}


def _figures(data: Data, session_id: int) -> tuple[int, int, list[str]]:
    detail = data.session(session_id)
    assert detail is not None
    view = detail.session
    return view.tokens, view.tips, [t.username for t in view.top_tippers]


def test_excluded_list_takes_a_person_out_of_session_figures_at_once_and_back(data: Data, room) -> None:
    assert _figures(data, room["live"]) == (520, 2, ["big_tipper", "small_tipper"])
    assert _figures(data, room["ended"]) == (1010, 2, ["big_tipper", "small_tipper"])

    added = data.change_watchlist("excluded", ["big_tipper"], True)
    assert added.changed == ("big_tipper",)
    assert _figures(data, room["live"]) == (20, 1, ["small_tipper"])
    assert _figures(data, room["ended"]) == (10, 1, ["small_tipper"])
    current = data.current_session()
    assert current is not None and current.tokens == 20
    assert data.person("big_tipper").is_excluded  # type: ignore[union-attr]

    data.change_watchlist("Excluded", ["big_tipper"], False)
    assert _figures(data, room["live"]) == (520, 2, ["big_tipper", "small_tipper"])
    assert _figures(data, room["ended"]) == (1010, 2, ["big_tipper", "small_tipper"])
    assert not data.person("big_tipper").is_excluded  # type: ignore[union-attr]


def test_system_lists_can_be_neither_renamed_nor_deleted(data: Data) -> None:
    assert [w.name for w in data.watchlists() if w.system] == list(SEEDED_WATCHLISTS)
    for name in SEEDED_WATCHLISTS:
        with pytest.raises(ListRefused, match="system list"):
            data.rename_watchlist(name.upper(), "Something Else")
        with pytest.raises(ListRefused, match="system list"):
            data.delete_watchlist(name.lower())
    assert [w.name for w in data.watchlists()] == list(SEEDED_WATCHLISTS)


def test_own_lists_are_created_renamed_and_deleted_and_names_are_unique_in_any_case(data: Data) -> None:
    made = data.create_watchlist("  Regulars ")
    assert (made.name, made.system, made.members) == ("Regulars", False, 0)
    for taken in ("regulars", "REGULARS", "friends"):
        with pytest.raises(ListRefused, match="already a list"):
            data.create_watchlist(taken)
    for bad in ("", "   ", "x" * 61, "bad\x1bname"):
        with pytest.raises(ListRefused):
            data.create_watchlist(bad)
    data.change_watchlist("regulars", ["alice_01"], True)
    renamed = data.rename_watchlist("REGULARS", "Big Regulars")
    assert (renamed.name, renamed.members) == ("Big Regulars", 1)
    assert data.rename_watchlist("big regulars", "big regulars").name == "big regulars"  # its own name, recased
    data.create_watchlist("Weekend")
    with pytest.raises(ListRefused, match="already a list"):
        data.rename_watchlist("weekend", "BIG REGULARS")
    data.delete_watchlist("Big Regulars")
    assert "big regulars" not in [w.name for w in data.watchlists()]
    assert data.person("alice_01") is not None  # the persons stay
    with pytest.raises(UnknownWatchlist):
        data.watchlist("big regulars")


def test_add_creates_a_person_not_seen_yet_and_checks_every_name_first(data: Data) -> None:
    assert data.person("future_fan") is None
    change = data.change_watchlist("ones to watch", ["Future_Fan", "future_fan"], True)
    assert (change.changed, change.created) == (("future_fan",), ("future_fan",))
    assert data.person("future_fan").list_names == ["Ones to Watch"]  # type: ignore[union-attr]
    assert data.change_watchlist("Ones to Watch", ["future_fan"], True).unchanged == ("future_fan",)
    with pytest.raises(InvalidUsername):
        data.change_watchlist("Friends", ["good_name", "not a name"], True)
    assert data.person("good_name") is None  # nothing was written
    with pytest.raises(UnknownWatchlist):
        data.change_watchlist("No Such List", ["good_name"], True)
    assert data.change_watchlist("Friends", ["nobody_known"], False).unchanged == ("nobody_known",)
    assert data.person("nobody_known") is None


def test_members_figures_and_online_status_come_from_stored_rows(db: Database, data: Data, room) -> None:
    with db.session() as s:
        ids = {name: persons.find_or_create(s, name).id
               for name in ("big_tipper", "small_tipper", "left_early", "streamer_x", "never_seen")}
        live = room["live"]
        for n, (name, kind, minute) in enumerate((("big_tipper", "USER_ENTER", 1), ("left_early", "USER_ENTER", 2),
                                                  ("left_early", "USER_LEAVE", 30))):
            interactions.append(s, ids[name], kind, timestamp=T0 + timedelta(minutes=minute), source=ROOM,
                                event_id=f"traffic-{n}", stream_session_id=live)
        interactions.append(s, ids["small_tipper"], "MANUAL_NOTE", content="tips on fridays",
                            timestamp=T0 + timedelta(minutes=50))
        metrics = {"online": True, "num_viewers": 120}
        snapshots.append(s, ids["streamer_x"], SnapshotSource.CB_STATS.value, {}, {**metrics, "num_viewers": 100},
                         captured_at=T0 - timedelta(hours=1))
        snapshots.append(s, ids["streamer_x"], SnapshotSource.CB_STATS.value, {}, metrics, captured_at=T0)
        # An older snapshot of a source that says nothing about being online is not the one that tells.
        snapshots.append(s, ids["big_tipper"], SnapshotSource.CB_STATS.value, {}, {"online": True},
                         captured_at=T0 - timedelta(days=2))
        snapshots.append(s, ids["big_tipper"], SnapshotSource.CB_STATS.value, {}, {"online": False},
                         captured_at=T0 - timedelta(days=1))
    data.change_watchlist("Friends", list(ids), True)
    shown = data.watchlist("friends")
    by_name = {m.username: m for m in shown.members}
    assert [m.username for m in shown.members] == sorted(ids)
    assert {n: m.online for n, m in by_name.items()} == {
        "big_tipper": "in_room", "small_tipper": "offline", "left_early": "offline", "streamer_x": "live_model",
        "never_seen": "offline",
    }
    assert {n: m.room_tokens for n, m in by_name.items()} == {
        "big_tipper": 1500, "small_tipper": 30, "left_early": 0, "streamer_x": 0, "never_seen": 0,
    }
    assert {n: m.has_notes for n, m in by_name.items() if m.has_notes} == {"small_tipper": True}
    assert by_name["left_early"].last_interaction_at == T0 + timedelta(minutes=30)
    assert by_name["small_tipper"].last_interaction_at == T0 + timedelta(minutes=6)  # a note is not theirs
    assert by_name["never_seen"].last_interaction_at is None
    assert by_name["streamer_x"].changes == {"num_viewers": 20}
    assert by_name["never_seen"].snapshot_delta is None
    out = shown.as_json()
    assert set(out) == {"name", "system", "members"} and out["name"] == "Friends" and out["system"] is True
    assert set(out["members"][0]) == {"username", "added_at", "online", "last_interaction_at", "room_tokens",
                                      "has_notes"}

    with db.session() as s:
        sessions.end(s, B, at=NOW)
    assert {m.username: m.online for m in data.watchlist("Friends").members}["big_tipper"] == "offline"


def test_a_tag_key_holds_one_value_and_evidence_must_be_the_persons_own(db: Database, data: Data) -> None:
    with db.session() as s:
        carol = persons.find_or_create(s, "carol_x")
        dave = persons.find_or_create(s, "dave99")
        said = interactions.append(s, carol.id, "CHAT_MESSAGE", content="I'm from Lisbon", timestamp=T0,
                                   source=ROOM, event_id="said-1")
        elsewhere = interactions.append(s, dave.id, "CHAT_MESSAGE", content="Porto", timestamp=T0, source=ROOM,
                                        event_id="said-2")
        snap = snapshots.append(s, carol.id, SnapshotSource.MANUAL.value, {}, {"x": 1}, captured_at=T0)
        said_id, elsewhere_id, snap_id = said.id, elsewhere.id, snap.id
    first = data.tag("carol_x", "City", "Porto")
    assert first is not None and (first.key, first.value, first.evidence_type) == ("city", "Porto", None)
    second = data.tag("carol_x", "city", "Lisbon", confidence="high", evidence_type="interaction",
                      evidence_id=str(said_id))
    assert second is not None and second.id == first.id and second.updated_at >= first.updated_at
    shown = data.person("carol_x")
    assert shown is not None
    assert [(a.key, a.value, a.confidence, a.evidence_type, a.evidence_id) for a in shown.attributes] == [
        ("city", "Lisbon", "high", "interaction", str(said_id))]
    data.tag("carol_x", "met", "yes", evidence_type="snapshot", evidence_id=str(snap_id))
    for kind, row_id, why in (("interaction", str(elsewhere_id), "someone else"), ("snapshot", "999999", "no snapshot"),
                              ("interaction", "abc", "needs the id")):
        with pytest.raises(InvalidAttribute, match=why):
            data.tag("carol_x", "city", "Faro", evidence_type=kind, evidence_id=row_id)
    with pytest.raises(InvalidAttribute, match="confidence"):
        data.tag("carol_x", "city", "Faro", confidence="certain")
    assert data.tag("nobody_here", "city", "Faro") is None
    assert data.untag("carol_x", "CITY") == 1
    assert data.untag("carol_x", "city") == 0
    assert data.untag("nobody_here", "city") is None
    assert [a.key for a in data.person("carol_x").attributes] == ["met"]  # type: ignore[union-attr]
