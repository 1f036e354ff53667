"""Person screen: notes, tags/attributes, lists and exclusion, interactions filters and paging, timeline."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Label, Select, Sparkline, Static, TabbedContent

from mhc_core.db.models import Attribute, Person
from mhc_core.services import interactions, persons, watchlists
from mhc_tui.screens.person import PersonScreen
from mhc_tui.widgets.attributes_editor import AttributesEditor
from mhc_tui.widgets.interactions_table import InteractionsTable
from mhc_tui.widgets.lists_toggle import ListsToggle
from tests.tui.conftest import wait_until as wait_for


async def open_person(app, pilot: Pilot, person_id) -> PersonScreen:  # type: ignore[no-untyped-def]
    await wait_for(pilot, lambda: app.db is not None)
    app.open_person(person_id)
    await wait_for(pilot, lambda: isinstance(app.screen, PersonScreen) and app.screen.person is not None)
    return app.screen


def rendered(widget) -> str:  # type: ignore[no-untyped-def]
    return str(widget.render())


async def test_note_with_n_appears_in_the_notes_tab(make_app, seed_room):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_person(app, pilot, seed_room.person_ids["alice_01"])
        await pilot.press("4")
        assert screen.query_one(TabbedContent).active == "notes"
        await pilot.press("n")
        await wait_for(pilot, lambda: app.screen.__class__.__name__ == "NoteModal")
        await pilot.press(*"regular, says brb a lot", "enter")
        table = screen.query_one("#notes-table", DataTable)
        await wait_for(pilot, lambda: table.row_count == 1)
        assert str(table.get_row_at(0)[1]) == "regular, says brb a lot"
        assert "1 notes" in rendered(screen.query_one("#notes-hint", Label))


async def test_add_then_edit_an_attribute(make_app, seed_room, db):
    person_id = seed_room.person_ids["carol_x"]
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_person(app, pilot, person_id)
        await pilot.press("5")
        editor = screen.query_one(AttributesEditor)
        editor.query_one(DataTable).focus()
        await pilot.press("a")
        await pilot.press(*"city", "tab", *"Lisbon", "enter")
        table = editor.query_one(DataTable)
        await wait_for(pilot, lambda: table.row_count == 1)
        assert [str(c) for c in table.get_row_at(0)] == ["city", "Lisbon", "medium", "", ""]
        assert "city=Lisbon (medium)" in rendered(screen.query_one("#summary-memory", Static))

        table.focus()
        await pilot.press("e")
        editor.query_one("#attr-confidence", Select).value = "high"
        editor.query_one("#attr-evidence-type", Input).value = "chat"
        editor.query_one("#attr-evidence-id", Input).focus()
        await pilot.press(*"4711", "enter")
        await wait_for(pilot, lambda: str(table.get_row_at(0)[2]) == "high")
        assert [str(c) for c in table.get_row_at(0)] == ["city", "Lisbon", "high", "chat", "4711"]

        table.focus()
        await pilot.press("x")
        await wait_for(pilot, lambda: table.row_count == 0)
    with db.session() as s:
        assert s.scalars(select(Attribute)).all() == []


async def test_toggle_a_list_and_exclusion(make_app, seed_room, db):
    person_id = seed_room.person_ids["dave99"]
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_person(app, pilot, person_id)
        await pilot.press("6")
        toggle = screen.query_one(ListsToggle)
        toggle.focus()
        toggle.highlighted = 0  # Friends
        await pilot.press("space")
        await wait_for(pilot, lambda: screen.person is not None and "Friends" in screen.person.list_names)
        excluded = next(i for i in range(toggle.option_count) if "Excluded" in str(toggle.get_option_at_index(i).prompt))
        toggle.highlighted = excluded
        await pilot.press("enter")
        await wait_for(pilot, lambda: screen.person is not None and screen.person.is_excluded)
        assert "EXCLUDED" in rendered(screen.query_one("#person-identity"))
        assert toggle.selected == [screen.person.lists[0].id, screen.person.lists[excluded].id]
    with db.session() as s:
        person = s.get(Person, person_id)
        assert person is not None and person.is_excluded
        assert watchlists.names_for(s, person_id) == ["Friends", "Excluded"]


async def test_interactions_filter_and_paging(make_app, db):
    start = datetime(2026, 11, 1, 20, 0, tzinfo=UTC)
    with db.session() as s:
        person = persons.find_or_create(s, "chatty_cathy")
        for n in range(120):
            kind = "TIP_EVENT" if n % 10 == 0 else "CHAT_MESSAGE"
            interactions.append(s, person.id, kind, content=f"line {n}", timestamp=start + timedelta(hours=n),
                                source="cb_events", metadata={"tokens": 10} if kind == "TIP_EVENT" else {})
        person_id = person.id
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_person(app, pilot, person_id)
        await pilot.press("3")
        box = screen.query_one(InteractionsTable)
        table = box.query_one(DataTable)
        page = box.query_one("#interactions-page", Label)
        await wait_for(pilot, lambda: "of 120" in rendered(page))
        assert rendered(page).startswith("1–50 of 120")
        assert str(table.get_row_at(0)[3]) == "line 119"  # newest first
        table.focus()
        await pilot.press("right_square_bracket")
        await wait_for(pilot, lambda: rendered(page).startswith("51–100 of 120"))
        await pilot.press("right_square_bracket")
        await wait_for(pilot, lambda: rendered(page).startswith("101–120 of 120"))
        assert str(table.get_row_at(19)[3]) == "10 tokens — line 0"
        await pilot.press("right_square_bracket")  # nothing older: stays
        await pilot.press("left_square_bracket")
        await wait_for(pilot, lambda: rendered(page).startswith("51–100 of 120"))

        box.query_one("#filter-type", Select).value = "TIP_EVENT"
        await wait_for(pilot, lambda: rendered(page).startswith("1–12 of 12"))
        assert str(table.get_row_at(0)[3]) == "10 tokens — line 110"
        # Tips every 10 h from 2026-11-01 20:00: n=80 and n=90 fall on 11-05, n=100 and n=110 on the 6th.
        since = box.query_one("#filter-since", Input)
        since.value = "2026-11-05"
        since.focus()
        await pilot.press("enter")
        await wait_for(pilot, lambda: rendered(page).startswith("1–4 of 4"))
        until = box.query_one("#filter-until", Input)
        until.value = "2026-11-05"  # inclusive: the whole day
        until.focus()
        await pilot.press("enter")
        await wait_for(pilot, lambda: rendered(page).startswith("1–2 of 2"))
        assert [str(table.get_row_at(i)[3]) for i in range(2)] == ["10 tokens — line 90", "10 tokens — line 80"]
        until.value = "06/11"
        await pilot.press("enter")
        await wait_for(pilot, lambda: "YYYY-MM-DD" in rendered(page))


async def test_stats_timeline_for_cb_stats(make_app, seed_room):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_person(app, pilot, seed_room.person_ids["hudson_cage"])
        await pilot.press("2")
        table = screen.query_one("#timeline-table", DataTable)
        await wait_for(pilot, lambda: table.row_count == 3)
        assert [str(c.label) for c in table.columns.values()][:2] == ["captured", "num_followers"]
        assert [str(table.get_row_at(i)[1]) for i in range(3)] == ["1,207 (+1)", "1,206 (+6)", "1,200"]
        assert screen.query_one(Sparkline).data == [1200.0, 1206.0, 1207.0]
