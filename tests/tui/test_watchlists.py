"""The watchlists screen (`w`) and the `a` list picker from the feed, the room and the person screen."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from sqlalchemy import select
from textual.widgets import DataTable, OptionList, TabbedContent

from mhc_core.data.door import Data
from mhc_core.db.models import Person, Watchlist
from mhc_core.services import notes, snapshots, watchlists
from mhc_tui.screens.dashboard import DashboardScreen
from mhc_tui.screens.list_picker import ListPickerModal
from mhc_tui.screens.person import PersonScreen
from mhc_tui.screens.watchlists import WatchlistsScreen
from mhc_tui.widgets.attributes_editor import AttributesEditor
from mhc_tui.widgets.event_feed import FeedView
from mhc_tui.widgets.lists_toggle import ListsToggle
from mhc_tui.widgets.room_list import RoomList
from mhc_tui.widgets.session_bar import SessionBar
from tests.tui.conftest import dashboard_loaded, later, notices, wait_until

SIZE = (140, 40)
SYSTEM_LISTS = ["Friends", "Known Streamers", "Ones to Watch", "Banned But Craved", "Excluded"]


def seed_friends(db, seed_room) -> None:  # type: ignore[no-untyped-def]
    """alice_01, bob_the_tipper, carol_x and dave99 on Friends; a note on carol; two Statbate snapshots of bob."""
    with db.session() as s:
        friends = watchlists.by_name(s, "Friends")
        for name in ("alice_01", "bob_the_tipper", "carol_x", "dave99"):
            watchlists.set_member(s, friends, s.get(Person, seed_room.person_ids[name]), True)
        notes.add_note(s, s.get(Person, seed_room.person_ids["carol_x"]), "likes synthwave", at=later(-5))
        bob = seed_room.person_ids["bob_the_tipper"]
        for minutes, tokens in ((-60 * 24, 8_800), (-60, 10_000)):
            snapshots.append(s, bob, "statbate_member", {"seed": True},
                             {"name": "bob_the_tipper", "all_time_tokens": tokens}, captured_at=later(minutes))


def names(screen: WatchlistsScreen) -> list[str]:
    table = screen.query_one("#watchlists-members", DataTable)
    return [str(table.get_row_at(i)[0]) for i in range(table.row_count)]


def column(screen: WatchlistsScreen, index: int) -> list[str]:
    table = screen.query_one("#watchlists-members", DataTable)
    return [str(table.get_row_at(i)[index]) for i in range(table.row_count)]


def memberships(db, person_id) -> list[str]:  # type: ignore[no-untyped-def]
    with db.session() as s:
        return watchlists.names_for(s, person_id)


async def open_watchlists(app, pilot) -> WatchlistsScreen:  # type: ignore[no-untyped-def]
    await wait_until(pilot, lambda: dashboard_loaded(app), what="dashboard")
    await pilot.press("w")
    await wait_until(pilot, lambda: isinstance(app.screen, WatchlistsScreen) and app.screen.detail is not None,
                     what="the watchlists screen")
    return app.screen


async def select_feed_line(pilot, app, username: str) -> None:  # type: ignore[no-untyped-def]
    view = app.screen.query_one(FeedView)
    view.focus()
    await pilot.press("end")
    for _ in range(view.visible_count):
        if view.selected.username == username:
            return
        await pilot.press("up")
    raise AssertionError(f"no line for {username}")


async def toggle(pilot, app, list_name: str) -> None:  # type: ignore[no-untyped-def]
    """In the open picker: highlight `list_name` and toggle it with space."""
    picker = app.screen
    assert isinstance(picker, ListPickerModal)
    await wait_until(pilot, lambda: picker.memberships is not None, what="the picker's lists")
    lists = picker.query_one(ListsToggle)
    lists.highlighted = next(i for i in range(lists.option_count)
                             if str(lists.get_option_at_index(i).prompt).startswith(list_name))
    await pilot.press("space")


def plain(widget: Any) -> str:
    console = Console(width=widget.content_region.width, record=True, color_system=None)
    console.print(widget.content)
    return console.export_text()


async def test_w_shows_every_list_and_the_members_with_their_figures(make_app, seed_room, db):
    seed_friends(db, seed_room)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_watchlists(app, pilot)
        lists = screen.query_one("#watchlists-lists", OptionList)
        shown = [str(lists.get_option_at_index(i).prompt) for i in range(lists.option_count)]
        assert [line.strip(" ◆").rsplit("  ", 1)[0] for line in shown] == SYSTEM_LISTS
        assert shown[0] == "◆ Friends  4"
        assert names(screen) == ["alice_01", "bob_the_tipper", "carol_x", "dave99"]
        # dave99 entered and left; the others are still in the room.
        assert column(screen, 1) == ["in room", "in room", "in room", "offline"]
        assert column(screen, 3) == ["25", "350", "500", "0"]  # bob tipped 250 the day before too
        assert column(screen, 4) == ["", "+1,200 all-time", "", ""]
        assert column(screen, 5) == ["", "", "✎", ""]


async def test_sorting_by_any_column_and_reversing(make_app, seed_room, db):
    seed_friends(db, seed_room)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_watchlists(app, pilot)
        await pilot.press("o", "o", "o")  # username -> online -> last interaction -> room tokens
        assert screen.sort_column == "tokens"
        assert names(screen) == ["dave99", "alice_01", "bob_the_tipper", "carol_x"]
        await pilot.press("O")
        assert names(screen) == ["carol_x", "bob_the_tipper", "alice_01", "dave99"]
        await pilot.click("#watchlists-members", offset=(3, 0))  # the username header
        assert screen.sort_column == "username"
        assert names(screen) == ["alice_01", "bob_the_tipper", "carol_x", "dave99"]


async def test_enter_opens_the_selected_member(make_app, seed_room, db):
    seed_friends(db, seed_room)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_watchlists(app, pilot)
        screen.query_one("#watchlists-members", DataTable).focus()
        await pilot.press("down", "down", "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, PersonScreen), what="the person screen")
        assert app.screen.person_id == seed_room.person_ids["carol_x"]


async def test_a_on_a_feed_line_puts_the_person_on_friends(make_app, seed_room, db):
    app = make_app()
    alice = seed_room.person_ids["alice_01"]
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: dashboard_loaded(app), what="dashboard")
        await select_feed_line(pilot, app, "alice_01")
        await pilot.press("a")
        assert isinstance(app.screen, ListPickerModal) and app.screen.username == "alice_01"
        await toggle(pilot, app, "Friends")
        await wait_until(pilot, lambda: memberships(db, alice) == ["Friends"], what="alice on Friends")
        picker = app.screen
        await wait_until(pilot, lambda: [m.name for m in picker.memberships or () if m.member] == ["Friends"],
                         what="the picker shows it")
        await pilot.press("escape")
        assert isinstance(app.screen, DashboardScreen)
        screen = await open_watchlists(app, pilot)
        assert names(screen) == ["alice_01"]
        app.open_person(alice)
        await wait_until(pilot, lambda: isinstance(app.screen, PersonScreen) and app.screen.person is not None)
        assert list(app.screen.person.list_names) == ["Friends"]


async def test_a_from_the_room_list_and_taking_off_again(make_app, seed_room, db):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: dashboard_loaded(app), what="dashboard")
        room = app.screen.query_one(RoomList)
        room.focus()
        person_id, username = room.selected_person()
        await pilot.press("a")
        assert isinstance(app.screen, ListPickerModal) and app.screen.username == username
        await toggle(pilot, app, "Ones to Watch")
        await wait_until(pilot, lambda: memberships(db, person_id) == ["Ones to Watch"])
        await toggle(pilot, app, "Ones to Watch")
        await wait_until(pilot, lambda: memberships(db, person_id) == [])


async def test_a_on_the_person_screen_opens_the_picker_but_not_in_the_tags_tab(make_app, seed_room, db):
    app = make_app()
    carol = seed_room.person_ids["carol_x"]
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: dashboard_loaded(app), what="dashboard")
        app.open_person(carol)
        await wait_until(pilot, lambda: isinstance(app.screen, PersonScreen) and app.screen.person is not None)
        person = app.screen
        await pilot.press("a")
        assert isinstance(app.screen, ListPickerModal) and app.screen.person_id == carol
        await toggle(pilot, app, "Known Streamers")
        await wait_until(pilot, lambda: memberships(db, carol) == ["Known Streamers"])
        await pilot.press("escape")
        await wait_until(pilot, lambda: person.person is not None and "Known Streamers" in person.person.list_names,
                         what="the person screen shows the list")
        # In the Tags tab, `a` adds a tag.
        await pilot.press("5")
        assert person.query_one(TabbedContent).active == "attributes"
        editor = person.query_one(AttributesEditor)
        editor.query_one(DataTable).focus()
        await pilot.press("a")
        assert app.screen is person
        assert editor.query_one("#attr-key").has_focus


async def test_a_change_made_elsewhere_shows_on_the_open_screen(make_app, seed_room, db, settings):
    seed_friends(db, seed_room)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_watchlists(app, pilot)
        door = Data(db, settings)
        door.change_watchlist("Friends", ["eve_lurker"], True)
        await wait_until(pilot, lambda: "eve_lurker" in names(screen), what="eve on the screen")
        assert column(screen, 1)[names(screen).index("eve_lurker")] == "offline"  # she left
        door.create_watchlist("Regulars")
        lists = screen.query_one("#watchlists-lists", OptionList)
        await wait_until(pilot, lambda: lists.option_count == 6, what="the new list")
        assert str(lists.get_option_at_index(5).prompt).strip() == "Regulars  0"


async def test_own_lists_are_made_renamed_and_deleted_and_system_lists_refused(make_app, seed_room, db):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_watchlists(app, pilot)
        await pilot.press("R")
        await wait_until(pilot, lambda: "'Friends' is a system list: it cannot be renamed" in notices(app))
        await pilot.press("c", *"Regulars", "enter")
        await wait_until(pilot, lambda: screen.selected_list is not None and screen.selected_list.name == "Regulars")
        await pilot.press("c", *"regulars", "enter")
        await wait_until(pilot, lambda: "there is already a list called 'Regulars'" in notices(app))
        await pilot.press("R", "ctrl+u", *"Weekday crowd", "enter")
        await wait_until(pilot, lambda: screen.selected_list is not None
                         and screen.selected_list.name == "Weekday crowd")
        await pilot.press("D")
        await pilot.press("y")
        await wait_until(pilot, lambda: len(screen.lists) == 5, what="the list deleted")
        assert "List Weekday crowd deleted." in notices(app)
        await pilot.press("D")
        await wait_until(pilot, lambda: "'Friends' is a system list: it cannot be deleted" in notices(app))
    with db.session() as s:
        assert [w.name for w in s.scalars(select(Watchlist).order_by(Watchlist.id))] == SYSTEM_LISTS


async def test_x_takes_the_selected_member_off(make_app, seed_room, db):
    seed_friends(db, seed_room)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_watchlists(app, pilot)
        screen.query_one("#watchlists-members", DataTable).focus()
        await pilot.press("x")
        await wait_until(pilot, lambda: names(screen) == ["bob_the_tipper", "carol_x", "dave99"])
        assert memberships(db, seed_room.person_ids["alice_01"]) == []


async def test_excluded_from_the_picker_changes_the_session_figures(make_app, seed_room, db):
    app = make_app()
    carol = seed_room.person_ids["carol_x"]
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: dashboard_loaded(app), what="dashboard")
        bar = app.screen.query_one(SessionBar)
        assert "tokens 625" in plain(bar) and "carol_x" in plain(bar)
        await select_feed_line(pilot, app, "carol_x")
        await pilot.press("a")
        await toggle(pilot, app, "Excluded")
        await wait_until(pilot, lambda: "tokens 125" in plain(bar), what="the session figures without carol")
        assert "carol_x" not in plain(bar)
        with db.session() as s:
            assert s.get(Person, carol).is_excluded
        await toggle(pilot, app, "Excluded")
        await wait_until(pilot, lambda: "tokens 625" in plain(bar), what="carol counted again")
