"""Search in the console: `/` from any screen (but a slash in a field is a slash), results newest first,
filters, paging, and enter / `o` to the person or the session at that line."""

from __future__ import annotations

from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Select, Static

from mhc_core.db.models import Person
from mhc_core.services import notes
from mhc_tui.screens import search as search_screen
from mhc_tui.screens.dashboard import DashboardScreen
from mhc_tui.screens.lookup import LookupScreen
from mhc_tui.screens.person import PersonScreen
from mhc_tui.screens.search import SearchScreen
from mhc_tui.screens.session_detail import SessionDetailScreen
from mhc_tui.widgets.session_transcript import SessionTranscript
from tests.tui.conftest import later
from tests.tui.conftest import wait_until as wait_for


def status(screen: SearchScreen) -> str:
    return str(screen.query_one("#search-status", Static).render())


def rows(screen: SearchScreen) -> list[list[str]]:
    table = screen.query_one("#search-results", DataTable)
    return [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]


async def open_search(app, pilot: Pilot) -> SearchScreen:  # type: ignore[no-untyped-def]
    await wait_for(pilot, lambda: app.db is not None and isinstance(app.screen, DashboardScreen))
    await pilot.press("slash")
    await wait_for(pilot, lambda: isinstance(app.screen, SearchScreen), what="the search screen")
    return app.screen


async def search_for(pilot: Pilot, screen: SearchScreen, words: str) -> None:
    """Type the words as the operator would and wait for the search typing settles into."""
    screen.query_one("#search-text", Input).focus()
    await pilot.press(*words)
    await wait_for(pilot, lambda: status(screen).startswith(("No matches", "1 match", *map(str, range(2, 100))))
                   and screen.query_one("#search-text", Input).value == words, what=f"the search for {words}")


async def test_slash_opens_search_and_typing_finds_lines_newest_first(make_app, seed_room, db):
    with db.session() as s:
        notes.add_note(s, s.get(Person, seed_room.person_ids["carol_x"]), "wants the playlist shared",
                       at=later(-2))
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_search(app, pilot)
        assert screen.query_one("#search-text", Input).has_focus
        await search_for(pilot, screen, "playl")  # the last word, still being typed, is a prefix
        assert [(r[1], r[2], r[3]) for r in rows(screen)] == [
            ("note", "carol_x", "wants the playlist shared"),
            ("tip", "bob_the_tipper", "100 tokens — for the playlist"),
        ]
        assert rows(screen)[1][0] == "2026-11-24 20:03:30" and rows(screen)[1][4] == str(seed_room.session_id)
        assert status(screen).startswith("2 matches, newest first")
        # enter in the field searches at once and moves to the results; enter there opens the person.
        await pilot.press("enter")
        assert screen.query_one("#search-results", DataTable).has_focus
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, PersonScreen))
        assert app.screen.person_id == seed_room.person_ids["carol_x"]


async def test_a_slash_typed_in_a_field_is_a_slash(make_app, seed_room):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.db is not None)
        await app.switch_mode("lookup")
        await wait_for(pilot, lambda: isinstance(app.screen, LookupScreen))
        await pilot.press("a", "slash", "b")
        await pilot.pause()
        assert isinstance(app.screen, LookupScreen)
        assert app.screen.query_one("#lookup-name", Input).value == "a/b"
        await app.switch_mode("dashboard")
        screen = await open_search(app, pilot)
        await pilot.press("x", "slash", "y")
        assert screen.query_one("#search-text", Input).value == "x/y"
        assert len([s for s in app.screen_stack if isinstance(s, SearchScreen)]) == 1
        # Away from the field, / goes back to it rather than opening another search.
        screen.query_one("#search-results", DataTable).focus()
        await pilot.press("slash")
        assert screen.query_one("#search-text", Input).has_focus
        assert len([s for s in app.screen_stack if isinstance(s, SearchScreen)]) == 1
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))


WORDS = "friday or great or here or playlist"


async def test_filters_no_match_and_nobody(make_app, seed_room):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_search(app, pilot)
        await search_for(pilot, screen, WORDS)
        assert [r[2] for r in rows(screen)] == ["frank_new", "bob_the_tipper", "dave99", "bob_the_tipper"]
        screen.query_one("#search-type", Select).value = "CHAT_MESSAGE"
        await wait_for(pilot, lambda: [r[3] for r in rows(screen)] == ["first time here", "that was great"],
                       what="the type filter")
        screen.query_one("#search-type", Select).clear()
        screen.query_one("#search-user", Input).value = "frank_new"
        await wait_for(pilot, lambda: [r[3] for r in rows(screen)] == ["first time here"], what="the person filter")
        screen.query_one("#search-user", Input).value = "nobody_here"
        await wait_for(pilot, lambda: "no person called nobody_here" in status(screen), what="nobody")
        assert rows(screen) == []
        screen.query_one("#search-user", Input).value = ""
        screen.query_one("#search-text", Input).value = "karaoke"
        await wait_for(pilot, lambda: status(screen) == "No matches.", what="no match")
        screen.query_one("#search-text", Input).value = "?!"
        await wait_for(pilot, lambda: status(screen) == "No matches." and rows(screen) == [], what="punctuation")


async def test_more_pages_and_o_opens_the_session_at_that_line(make_app, seed_room, monkeypatch):
    monkeypatch.setattr(search_screen, "PAGE_SIZE", 2)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_search(app, pilot)
        await search_for(pilot, screen, WORDS)
        assert [r[3] for r in rows(screen)] == ["first time here", "that was great"]
        assert "m for more" in status(screen)
        screen.query_one("#search-results", DataTable).focus()
        await pilot.press("m")
        await wait_for(pilot, lambda: len(rows(screen)) == 4, what="the next page")
        assert "for more" not in status(screen)
        await pilot.press("down", "down", "down", "o")  # the oldest: bob's tip "for the playlist", LIVE session
        await wait_for(pilot, lambda: isinstance(app.screen, SessionDetailScreen)
                       and app.screen.query_one(SessionTranscript).row_count > 0, what="the session")
        transcript = app.screen.query_one(SessionTranscript)
        line = [str(c) for c in transcript.get_row_at(transcript.cursor_row)]
        assert line[1:3] == ["bob_the_tipper", "tip"] and "for the playlist" in line[3]
