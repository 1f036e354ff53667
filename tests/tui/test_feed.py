"""The live event feed: the feed queries, the bounded line view, filters, and NOTIFY bringing new rows in."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert, select

from mhc_core.db.models import Interaction, InteractionSource
from mhc_core.db.notify import CHANNEL_EVENTS, notify
from mhc_core.services import feed, interactions, persons
from mhc_core.services.feed import FeedItem
from mhc_tui.screens.dashboard import DashboardScreen
from mhc_tui.widgets.event_feed import FILTER_TYPES, INITIAL_EVENTS, FeedView, format_item
from mhc_tui.widgets.room_list import RoomList
from tests.tui.conftest import NOW, dashboard_loaded, settle, wait_until


def _item(i: int, kind: str = "CHAT_MESSAGE", tokens: int | None = None) -> FeedItem:
    return FeedItem(id=i, type=kind, timestamp=NOW + timedelta(seconds=i), person_id=uuid.UUID(int=i),
                    username=f"user_{i}", content=f"message {i}", tokens=tokens, stream_session_id=1)


def test_events_after_and_latest_events(db, seed_room):
    with db.session() as s:
        latest = feed.latest_events(s, limit=5)
        assert [e.id for e in latest] == sorted(e.id for e in latest)
        assert latest[-1].id == seed_room.last_interaction_id
        assert latest[-1].content == "brb"
        after = feed.events_after(s, seed_room.last_interaction_id - 3)
        assert [e.id for e in after] == [seed_room.last_interaction_id - 2, seed_room.last_interaction_id - 1,
                                         seed_room.last_interaction_id]
        tips = feed.latest_events(s, types=["TIP_EVENT"])
        assert [(t.username, t.tokens) for t in tips] == [("bob_the_tipper", 250), ("bob_the_tipper", 100),
                                                          ("alice_01", 25), ("carol_x", 500)]


def test_notes_are_not_feed_events(db, seed_room):
    with db.session() as s:
        interactions.append(s, seed_room.person_ids["alice_01"], "MANUAL_NOTE", content="likes jazz",
                            source=InteractionSource.MANUAL.value)
    with db.session() as s:
        assert feed.events_after(s, seed_room.last_interaction_id) == []


def test_room_now_newest_first_with_tips(db, seed_room):
    with db.session() as s:
        room = feed.room_now(s, "hudson_cage", tips_session_id=seed_room.session_id)
    # dave99 and eve_lurker left; frank_new arrived last; carol tipped 500, bob 100, alice 25 this session.
    assert [(e.username, e.tokens) for e in room] == [
        ("frank_new", 0), ("carol_x", 500), ("bob_the_tipper", 100), ("alice_01", 25)
    ]


def _room_event(s, name: str, kind: str, at: datetime, n: int, **meta) -> None:  # type: ignore[no-untyped-def]
    person = persons.find_or_create(s, name, role="MODEL" if name == "hudson_cage" else "VIEWER", seen_at=at)
    interactions.append(s, person.id, kind, timestamp=at, source=InteractionSource.CB_EVENTS.value,
                        metadata=meta, event_id=f"room-{n}")


def _two_broadcasts_without_a_session(db) -> None:  # type: ignore[no-untyped-def]
    """Yesterday's broadcast (one visitor never seen leaving), then today's; no stream session at all."""
    yesterday, today = NOW - timedelta(days=1), NOW - timedelta(hours=1)
    events = [
        ("hudson_cage", "BROADCAST_START", yesterday, {}),
        ("stale_visitor", "USER_ENTER", yesterday + timedelta(minutes=5), {}),
        ("tipper_t", "TIP_EVENT", yesterday + timedelta(minutes=6), {"tokens": 900}),
        ("hudson_cage", "BROADCAST_STOP", yesterday + timedelta(hours=2), {}),
        ("hudson_cage", "BROADCAST_START", today, {}),
        ("tipper_t", "USER_ENTER", today + timedelta(minutes=1), {}),
        ("passer_by", "USER_ENTER", today + timedelta(minutes=2), {}),
        ("tipper_t", "TIP_EVENT", today + timedelta(minutes=3), {"tokens": 50}),
        ("passer_by", "USER_LEAVE", today + timedelta(minutes=4), {}),
        ("latecomer", "USER_ENTER", today + timedelta(minutes=5), {}),
    ]
    with db.session() as s:
        for n, (name, kind, at, meta) in enumerate(events):
            _room_event(s, name, kind, at, n, **meta)


def test_room_now_without_a_session_is_who_entered_since_the_broadcast_started(db):
    _two_broadcasts_without_a_session(db)
    with db.session() as s:
        room = feed.room_now(s, "hudson_cage")
    # stale_visitor came to yesterday's broadcast; tipper_t's 900 were tipped then, not now.
    assert [(e.username, e.tokens) for e in room] == [("latecomer", 0), ("tipper_t", 50)]


def test_room_now_without_any_broadcast_start_is_everyone_entered_since_capture_began(db):
    with db.session() as s:
        _room_event(s, "early_bird", "USER_ENTER", NOW - timedelta(minutes=30), 1)
        _room_event(s, "quick_exit", "USER_ENTER", NOW - timedelta(minutes=20), 2)
        _room_event(s, "quick_exit", "USER_LEAVE", NOW - timedelta(minutes=10), 3)
    with db.session() as s:
        assert [e.username for e in feed.room_now(s, "hudson_cage")] == ["early_bird"]


def test_live_summary(db, seed_room):
    with db.session() as s:
        summary = feed.live_summary(s, "hudson_cage", now=NOW)
    assert (summary.session_id, summary.tokens) == (seed_room.session_id, 625)
    assert summary.last_event_at == datetime(2026, 11, 24, 21, 29, 30, tzinfo=UTC)


def test_tip_lines_show_the_amount_and_pms_are_marked():
    tip = format_item(_item(1, "TIP_EVENT", tokens=1500), UTC).plain
    assert " 1,500 tk " in tip and "TIP" in tip
    assert "✉ PM" in format_item(_item(2, "PRIVATE_MESSAGE"), UTC).plain


async def test_feed_view_keeps_a_bounded_window(make_app, db):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        view = FeedView(cap=100, tz=UTC)
        await app.screen.mount(view)
        view.append(_item(i) for i in range(1, 251))
        await pilot.pause()
        assert view.visible_count == 100
        assert view.visible_items()[0].id == 151
        assert view.selected is not None and view.selected.id == 250  # follows the newest
        view.action_cursor(-10)
        assert view.selected.id == 240
        view.append(_item(i) for i in range(251, 261))
        assert view.selected.id == 240  # stays on the line the operator chose
        view.action_last()
        view.append([_item(261)])
        assert view.selected.id == 261  # following again


async def test_filter_keys(make_app, seed_room):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: dashboard_loaded(app), what="dashboard")
        view = app.screen.query_one(FeedView)
        assert view.visible_count == 18
        await pilot.press("3")
        assert {i.type for i in view.visible_items()} == {"TIP_EVENT"}
        assert view.visible_count == 4
        await pilot.press("4")
        assert [i.content for i in view.visible_items()] == ["are you doing a show on friday?"]
        await pilot.press("5")
        assert {i.type for i in view.visible_items()} == {"USER_ENTER", "USER_LEAVE"}
        await pilot.press("2")
        assert {i.type for i in view.visible_items()} == {"CHAT_MESSAGE"}
        await pilot.press("f")  # cycles on to tips
        assert {i.type for i in view.visible_items()} == {"TIP_EVENT"}
        await pilot.press("1")
        assert view.visible_count == 18


async def test_a_committed_event_appears_after_notify(make_app, seed_room, db):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: dashboard_loaded(app), what="dashboard")
        screen = app.screen
        assert isinstance(screen, DashboardScreen)
        view = screen.query_one(FeedView)
        with db.session() as s:
            gina = persons.find_or_create(s, "gina_g", role="VIEWER")
            interactions.append(s, gina.id, "USER_ENTER", timestamp=NOW, source="cb_events", event_id="t-enter",
                                stream_session_id=seed_room.session_id)
            interactions.append(s, gina.id, "TIP_EVENT", timestamp=NOW, source="cb_events", event_id="t-tip",
                                metadata={"tokens": 777}, stream_session_id=seed_room.session_id)
            notify(s, CHANNEL_EVENTS, {"count": 2})
        await wait_until(pilot, lambda: view.selected is not None and view.selected.username == "gina_g",
                         what="the new event on screen")
        assert view.selected.tokens == 777
        room = screen.query_one(RoomList)
        await wait_until(pilot, lambda: room.row_count == 5, what="gina in the room")
        assert room.selected_person() is not None
        first = room.get_row_at(0)
        assert first[0].plain == "gina_g" and first[2].plain == "777"


async def test_filter_loads_and_merges_without_losing_the_selection(make_app, db):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        view = FeedView(cap=100, tz=UTC)
        await app.screen.mount(view)
        view.append(_item(i, "TIP_EVENT" if i % 10 == 0 else "CHAT_MESSAGE", tokens=5) for i in range(201, 301))
        await pilot.pause()
        tips = FILTER_TYPES["tips"]
        view.set_filter(tips)
        assert [i.id for i in view.visible_items()] == list(range(210, 301, 10))  # what is in memory
        view.action_cursor(-2)
        assert view.selected.id == 280
        # The database has older tips, and one newer than the last fetch (committed meanwhile).
        loaded = [_item(i, "TIP_EVENT", tokens=5) for i in range(100, 311, 10)]
        view.merge(FILTER_TYPES["chat"], loaded)  # for a filter no longer chosen: ignored
        assert view.visible_count == 10
        view.merge(tips, loaded)
        assert [i.id for i in view.visible_items()] == list(range(100, 311, 10))
        assert view.selected.id == 280  # the operator's line stays selected
        view.append([_item(305), _item(310, "TIP_EVENT", tokens=5), _item(320, "TIP_EVENT", tokens=5)])
        assert [i.id for i in view.visible_items()][-3:] == [300, 310, 320]  # no line twice
        view.set_filter(None)
        assert [i.id for i in view.visible_items()][-3:] == [305, 310, 320]
        assert view.visible_count == 100  # the unfiltered buffer, not the tips loaded for the filter


def _bury_tips_under_chat(db) -> list[int]:  # type: ignore[no-untyped-def]
    """More tips than the feed's first load, mixed with chat, then as many chat lines again: the first
    load shows chat only. Returns the tip ids."""
    count = INITIAL_EVENTS + 100
    with db.session() as s:
        tipper = persons.find_or_create(s, "old_tipper", role="VIEWER")
        chatter = persons.find_or_create(s, "chatterbox", role="VIEWER")

        def row(n: int, who: uuid.UUID, kind: str) -> dict:  # type: ignore[type-arg]
            return {"person_id": who, "type": kind, "timestamp": NOW - timedelta(hours=2) + timedelta(seconds=n),
                    "source": InteractionSource.CB_EVENTS.value, "content": f"{kind} {n}",
                    "meta": {"tokens": 10} if kind == "TIP_EVENT" else {}, "event_id": f"bulk-{n}"}

        rows = []
        for n in range(count):
            rows.append(row(2 * n, tipper.id, "TIP_EVENT"))
            rows.append(row(2 * n + 1, chatter.id, "CHAT_MESSAGE"))
        rows.extend(row(2 * count + n, chatter.id, "CHAT_MESSAGE") for n in range(count))
        s.execute(insert(Interaction), rows)
    with db.session() as s:
        return list(s.scalars(select(Interaction.id).where(Interaction.type == "TIP_EVENT").order_by(Interaction.id)))


async def test_a_filter_loads_older_events_of_its_types_from_the_database(make_app, db):
    tip_ids = _bury_tips_under_chat(db)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: dashboard_loaded(app), what="dashboard")
        view = app.screen.query_one(FeedView)
        assert view.visible_count == INITIAL_EVENTS
        assert {i.type for i in view.visible_items()} == {"CHAT_MESSAGE"}  # the tips are not in memory
        await pilot.press("3")
        await wait_until(pilot, lambda: view.visible_count == len(tip_ids), what="the older tips")
        assert [i.id for i in view.visible_items()] == tip_ids
        assert view.following and view.selected.id == tip_ids[-1]
        # Live events of the filter's types keep arriving; others do not show.
        with db.session() as s:
            gina = persons.find_or_create(s, "gina_g", role="VIEWER")
            interactions.append(s, gina.id, "TIP_EVENT", timestamp=NOW, source="cb_events", event_id="live-tip",
                                metadata={"tokens": 321})
            interactions.append(s, gina.id, "CHAT_MESSAGE", content="thanks!", timestamp=NOW, source="cb_events",
                                event_id="live-chat")
            notify(s, CHANNEL_EVENTS, {"count": 2})
        await wait_until(pilot, lambda: view.selected.username == "gina_g", what="the live tip")
        assert view.selected.tokens == 321
        assert view.visible_count == len(tip_ids) + 1
        assert {i.type for i in view.visible_items()} == {"TIP_EVENT"}
        # Chat: more than the first load, from the database too.
        await pilot.press("2")
        await wait_until(pilot, lambda: view.visible_count == 2 * len(tip_ids) + 1, what="the older chat")
        assert view.visible_items()[-1].content == "thanks!"
        # All: the live stream again (the first load and what followed), every type.
        await pilot.press("1")
        assert view.visible_count == INITIAL_EVENTS + 2
        assert [i.type for i in view.visible_items()[-2:]] == ["TIP_EVENT", "CHAT_MESSAGE"]
        await settle(pilot)
        assert view.visible_count == INITIAL_EVENTS + 2  # nothing loaded late into "all"


async def test_the_room_list_shows_who_entered_while_no_session_is_live(make_app, db):
    _two_broadcasts_without_a_session(db)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: dashboard_loaded(app), what="dashboard")
        room = app.screen.query_one(RoomList)
        assert [(room.get_row_at(i)[0].plain, room.get_row_at(i)[2].plain) for i in range(room.row_count)] == [
            ("latecomer", "·"), ("tipper_t", "50")]
        assert room.border_subtitle == "2 here"
