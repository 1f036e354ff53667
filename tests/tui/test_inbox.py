"""The inbox (`i`) and alerts on screen: unacknowledged alerts, tips and private messages of this broadcast,
acknowledged one by one (space) or all at once (A, asking first), in every console; enter opens the person,
n notes, m mutes; each new alert a notification (and the bell) in every console, old ones not again."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from textual.widgets import DataTable

from mhc_core.channels import CHANNEL_ALERTS, FIRED
from mhc_core.db import Database
from mhc_core.db.models import Alert, AlertMute, InteractionSource
from mhc_core.db.notify import notify
from mhc_core.services import interactions
from mhc_tui.screens.confirm import ConfirmScreen
from mhc_tui.screens.inbox import InboxScreen
from mhc_tui.screens.note import NoteModal
from mhc_tui.screens.person import PersonScreen
from mhc_tui.widgets.health import HealthLine
from mhc_tui.widgets.room_list import RoomList
from tests.tui.conftest import BROADCASTER, NOW, SeededRoom, dashboard_loaded, notices, settle, wait_until
from tests.tui.test_sync import plain

SIZE = (120, 40)


def fire(db: Database, room: SeededRoom, name: str, text: str, *, minutes: int = 0, bell: bool = False) -> int:
    """An alert as the engine stores it (with its notification)."""
    with db.session() as s:
        alert = Alert(rule="enter:tier=whale", person_id=room.person_ids[name], event_id=f"alert-{name}-{minutes}",
                      event_at=NOW + timedelta(minutes=minutes), fired_at=NOW + timedelta(minutes=minutes),
                      text=text, bell=bell)
        s.add(alert)
        s.flush()
        notify(s, CHANNEL_ALERTS, {"broadcaster": BROADCASTER, "what": FIRED, "ids": [alert.id]})
        return alert.id


def inbox_rows(screen: InboxScreen) -> list[list[str]]:
    table = screen.query_one("#inbox-table", DataTable)
    return [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]


async def open_inbox(app: Any, pilot: Any) -> InboxScreen:
    await wait_until(pilot, lambda: dashboard_loaded(app) and app.health.live_updates.state == "connected")
    await pilot.press("i")
    await wait_until(pilot, lambda: isinstance(app.screen, InboxScreen) and app.screen.loaded, what="the inbox")
    assert isinstance(app.screen, InboxScreen)
    return app.screen


def test_inbox_snapshot(snap_compare, make_app, seed_room, db):
    fire(db, seed_room, "bob_the_tipper", "bob_the_tipper (whale) entered", minutes=-20)
    app = make_app()

    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        await open_inbox(app, pilot)
        await settle(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


async def test_the_inbox_lists_alerts_tips_and_pms_newest_first(make_app, seed_room, db):
    fire(db, seed_room, "bob_the_tipper", "bob_the_tipper (whale) entered", minutes=-20)
    with db.session() as s:
        interactions.append(s, seed_room.person_ids["dave99"], "PRIVATE_MESSAGE", content="see you friday?",
                            timestamp=NOW - timedelta(minutes=40), source=InteractionSource.CB_EVENTS.value,
                            metadata={"direction": "in"}, event_id="pm-in-1", stream_session_id=seed_room.session_id)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        inbox = await open_inbox(app, pilot)
        rows = inbox_rows(inbox)
        kinds = [row[1] for row in rows]
        assert kinds.count("alert") == 1 and kinds.count("tip") == 3 and kinds.count("PM") == 1
        assert rows[0][1:3] == ["alert", "bob_the_tipper"]  # 21:10, the newest
        assert rows[2][1:3] == ["PM", "dave99"] and rows[2][3].endswith("see you friday?")  # 20:50
        assert rows[-1][2] == "bob_the_tipper" and rows[-1][1] == "tip"  # 20:03, the oldest
        assert "inbox 5" in plain(inbox.query_one(HealthLine))


async def test_space_acknowledges_the_selected_and_A_all_after_asking(make_app, seed_room, db):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        inbox = await open_inbox(app, pilot)
        first = inbox_rows(inbox)[0]
        assert len(inbox_rows(inbox)) == 3  # the session's three tips
        await pilot.press("space")
        await wait_until(pilot, lambda: len(inbox_rows(inbox)) == 2, what="one acknowledged")
        assert first not in inbox_rows(inbox)
        await pilot.press("A")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")
        await settle(pilot)
        assert len(inbox_rows(inbox)) == 2
        await pilot.press("A", "y")
        await wait_until(pilot, lambda: not inbox_rows(inbox), what="all acknowledged")
        assert "nothing to acknowledge" in str(inbox.query_one("#inbox-status").render())


async def test_enter_opens_the_person_and_n_notes_on_him(make_app, seed_room, db):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        inbox = await open_inbox(app, pilot)
        who = inbox_rows(inbox)[0][2]
        await pilot.press("n")
        assert isinstance(app.screen, NoteModal)
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, PersonScreen) and app.screen.person is not None)
        assert app.screen.person.username == who


async def test_m_mutes_and_unmutes_and_the_room_shows_it(make_app, seed_room, db):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: dashboard_loaded(app))
        room = app.screen.query_one(RoomList)
        room.focus()
        await pilot.press("m")  # the top row: frank_new, the newest arrival
        await wait_until(pilot, lambda: "frank_new: alerts muted." in notices(app), what="the mute")
        await wait_until(pilot, lambda: str(room.get_row_at(0)[6]) == "⊘", what="the badge")
        with db.session() as s:
            assert s.get(AlertMute, seed_room.person_ids["frank_new"]) is not None
        await pilot.press("m")
        await wait_until(pilot, lambda: "frank_new: alerts on again." in notices(app), what="the unmute")
        await wait_until(pilot, lambda: str(room.get_row_at(0)[6]) == "", what="no badge")


async def test_an_alert_is_a_notification_in_every_console_and_old_ones_are_not_said_again(
    make_app, seed_room, db
):
    fire(db, seed_room, "alice_01", "alice_01 old news", minutes=-30)
    first, second = make_app(), make_app()
    bells = {first: 0, second: 0}
    for app in (first, second):
        rang = app.bell

        def bell(app=app, rang=rang) -> None:  # type: ignore[no-untyped-def]
            bells[app] += 1
            rang()

        app.bell = bell  # type: ignore[method-assign]  # the App's own bell, counted
    async with first.run_test(size=SIZE) as pilot_a, second.run_test(size=SIZE) as pilot_b:
        for app, pilot in ((first, pilot_a), (second, pilot_b)):
            await wait_until(pilot, lambda app=app: dashboard_loaded(app) and app.health.live_updates.state == "connected"
                             and app.alerts_on_screen.last_seen is not None)
        fire(db, seed_room, "bob_the_tipper", "bob_the_tipper (whale) entered", bell=True)
        for app, pilot in ((first, pilot_a), (second, pilot_b)):
            await wait_until(pilot, lambda app=app: "bob_the_tipper (whale) entered" in notices(app),
                             what="the alert")
            assert "alice_01 old news" not in notices(app)
            assert notices(app).count("bob_the_tipper (whale) entered") == 1
            assert bells[app] == 1  # the rule asked for the bell
        fire(db, seed_room, "carol_x", "carol_x tipped 500", minutes=1)
        await wait_until(pilot_b, lambda: "carol_x tipped 500" in notices(second), what="a quiet alert")
        assert bells[second] == 1


async def test_an_acknowledgement_in_one_console_leaves_the_other_consoles_inbox(make_app, seed_room, db):
    first, second = make_app(), make_app()
    async with first.run_test(size=SIZE) as pilot_a, second.run_test(size=SIZE) as pilot_b:
        inbox_a = await open_inbox(first, pilot_a)
        inbox_b = await open_inbox(second, pilot_b)
        assert len(inbox_rows(inbox_b)) == 3
        await pilot_a.press("space")
        await wait_until(pilot_b, lambda: len(inbox_rows(inbox_b)) == 2, what="the other console's inbox")
        assert inbox_rows(inbox_a) == inbox_rows(inbox_b)
        await wait_until(pilot_b, lambda: "inbox 2" in plain(inbox_b.query_one(HealthLine)), what="the count")


async def test_the_inbox_is_left_with_the_screen_keys_and_comes_back_with_i(make_app, seed_room, db):
    from mhc_tui.screens.dashboard import DashboardScreen

    fire(db, seed_room, "bob_the_tipper", "bob_the_tipper (whale) entered", minutes=-20)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_inbox(app, pilot)
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, PersonScreen), what="the person")
        await pilot.press("d")
        await wait_until(pilot, lambda: isinstance(app.screen, DashboardScreen), what="the dashboard")
        await pilot.press("i")
        await wait_until(pilot, lambda: isinstance(app.screen, PersonScreen), what="the inbox's person again")
        await pilot.press("i")
        await wait_until(pilot, lambda: isinstance(app.screen, InboxScreen), what="the inbox list")
