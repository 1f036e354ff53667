"""Several consoles on one database: what another process writes (`mhc note`, `mhc session start|end`,
another console's tags and lists) shows on every screen that shows it within a second, with no
events flowing; a screen that was hidden meanwhile shows it when it is shown again."""

from __future__ import annotations

import asyncio
import os
import sys
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rich.console import Console
from textual.pilot import Pilot
from textual.widget import Widget
from textual.widgets import DataTable, Input, Static

from mhc_tui.app import MHCApp
from mhc_tui.screens.dashboard import DashboardScreen
from mhc_tui.screens.lookup import LookupScreen
from mhc_tui.screens.person import PersonScreen
from mhc_tui.screens.sessions import SessionsScreen
from mhc_tui.widgets.attributes_editor import AttributesEditor
from mhc_tui.widgets.health import HealthLine
from mhc_tui.widgets.lists_toggle import ListsToggle
from mhc_tui.widgets.session_bar import SessionBar
from tests.tui.conftest import dashboard_loaded, wait_until

WITHIN = 1.0  # seconds from the other process's commit to the screen showing it

# Another console's writes, through the same data door (there is no command for tags and lists).
ANOTHER_CONSOLE = """
import sys, uuid
from mhc_core.config import Settings
from mhc_core.data.door import Data
from mhc_core.db import open_database

settings = Settings()
data = Data(open_database(settings), settings)
person = uuid.UUID(sys.argv[1])
data.save_attribute(person, "tag", "regular", confidence="high")
view = data.person(person)
assert view is not None
data.set_list_member(person, next(item.id for item in view.lists if item.name == "Friends"), True)
"""


async def other_process(database_url: str, tmp_path: Path, *args: str) -> None:
    """Run `python *args` against the same database, as another terminal would, until it exits."""
    env = {**os.environ, "MHC_DATABASE_URL": database_url, "MHC_LOG_DIR": str(tmp_path / "other-logs"),
           "MHC_DATA_DIR": str(tmp_path / "other-data")}
    proc = await asyncio.create_subprocess_exec(sys.executable, *args, env=env, stdout=asyncio.subprocess.PIPE,
                                                stderr=asyncio.subprocess.PIPE)
    out, err = await proc.communicate()
    assert proc.returncode == 0, (out + err).decode()


async def shows_within(pilot: Pilot[Any], predicate: Callable[[], bool], what: str) -> None:
    """The screen shows it within WITHIN seconds of now (the other process has committed and exited)."""
    loop = asyncio.get_running_loop()
    started = loop.time()
    await wait_until(pilot, predicate, timeout=5, what=what)
    assert loop.time() - started < WITHIN, f"{what} took {loop.time() - started:.2f} s"


def plain(widget: Widget) -> str:
    console = Console(width=200, record=True, color_system=None)
    console.print(widget.render())
    return console.export_text()


async def open_person(app: MHCApp, pilot: Pilot[Any], person_id: uuid.UUID) -> PersonScreen:
    await wait_until(pilot, lambda: dashboard_loaded(app) and app.health.live_updates.state == "connected")
    app.open_person(person_id)
    await wait_until(pilot, lambda: isinstance(app.screen, PersonScreen) and app.screen.person is not None)
    assert isinstance(app.screen, PersonScreen)
    return app.screen


def notes_shown(screen: PersonScreen) -> list[str]:
    table = screen.query_one("#notes-table", DataTable)
    return [str(table.get_row_at(row)[1]) for row in range(table.row_count)]


async def test_a_note_from_mhc_note_shows_on_the_open_person_screen(make_app, seed_room, database_url, tmp_path):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_person(app, pilot, seed_room.person_ids["alice_01"])
        assert notes_shown(screen) == []
        await other_process(database_url, tmp_path, "-m", "mhc", "note", "alice_01", "asked", "for", "synthwave")
        await shows_within(pilot, lambda: notes_shown(screen) == ["asked for synthwave"], "the note")
        assert "asked for synthwave" in plain(screen.query_one("#summary-memory", Static))


async def test_tags_and_lists_from_another_console_show_on_the_open_person_screen(
    make_app, seed_room, database_url, tmp_path
):
    person_id = seed_room.person_ids["carol_x"]
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_person(app, pilot, person_id)
        tags = screen.query_one(AttributesEditor).query_one(DataTable)
        assert tags.row_count == 0
        await other_process(database_url, tmp_path, "-c", ANOTHER_CONSOLE, str(person_id))
        await shows_within(pilot, lambda: screen.person is not None and "Friends" in screen.person.list_names,
                           "the tag and the list")
        assert [str(cell) for cell in tags.get_row_at(0)][:3] == ["tag", "regular", "high"]
        memory = plain(screen.query_one("#summary-memory", Static))
        assert "lists: Friends" in memory and "tag=regular (high)" in memory
        toggle = screen.query_one(ListsToggle)
        assert len(toggle.selected) == 1


async def test_a_note_shows_on_the_lookup_result_showing_that_person(make_app, seed_room, database_url, tmp_path):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: app.health.live_updates.state == "connected")
        await app.switch_mode("lookup")
        screen = app.screen
        assert isinstance(screen, LookupScreen)
        screen.query_one("#lookup-name", Input).value = "bob_the_tipper"
        await pilot.press("ctrl+j")
        await wait_until(pilot, lambda: "Found bob_the_tipper" in plain(screen.query_one("#lookup-status", Static)))
        memory = screen.query_one("#summary-memory", Static)
        assert "notes: none" in plain(memory)
        await other_process(database_url, tmp_path, "-m", "mhc", "note", "bob_the_tipper", "big", "tipper")
        await shows_within(pilot, lambda: "big tipper" in plain(memory), "the note in the lookup result")


async def test_session_start_and_end_from_mhc_session_show_on_the_dashboard_and_the_sessions_list(
    make_app, db, database_url, tmp_path
):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: dashboard_loaded(app) and app.health.live_updates.state == "connected")
        bar = app.screen.query_one(SessionBar)
        health = app.screen.query_one(HealthLine)
        assert "no LIVE session" in plain(bar) and "OFFLINE" in plain(health)
        await other_process(database_url, tmp_path, "-m", "mhc", "session", "start")
        await shows_within(pilot, lambda: "LIVE" in plain(health) and "no LIVE session" not in plain(bar),
                           "the started session on the dashboard")

        await app.switch_mode("sessions")
        sessions = app.screen
        assert isinstance(sessions, SessionsScreen)
        table = sessions.query_one("#sessions-table", DataTable)
        await wait_until(pilot, lambda: table.row_count == 1)
        assert str(table.get_row_at(0)[3]) == "LIVE"
        await other_process(database_url, tmp_path, "-m", "mhc", "session", "end")
        await shows_within(pilot, lambda: str(table.get_row_at(0)[3]) == "ENDED", "the ended session in the list")
        assert "OFFLINE" in plain(sessions.query_one(HealthLine))


async def test_a_hidden_person_screen_reads_nothing_then_shows_the_note_when_shown_again(
    make_app, seed_room, database_url, tmp_path
):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_person(app, pilot, seed_room.person_ids["alice_01"])
        await app.switch_mode("sessions")  # the person screen stays in the dashboard's stack, hidden
        await wait_until(pilot, lambda: isinstance(app.screen, SessionsScreen))
        reads, heard = screen.person_read.reads, app.live.changes
        await other_process(database_url, tmp_path, "-m", "mhc", "note", "alice_01", "while", "away")
        await wait_until(pilot, lambda: app.live.changes > heard, what="the note's notification")
        assert screen.person_read.reads == reads and notes_shown(screen) == []  # hidden: not read
        await app.switch_mode("dashboard")
        assert app.screen is screen
        await wait_until(pilot, lambda: notes_shown(screen) == ["while away"], what="the note, caught up")
        assert screen.person_read.reads == reads + 1


async def test_a_hidden_sessions_list_catches_up_when_shown_again(make_app, db, database_url, tmp_path):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: dashboard_loaded(app) and app.health.live_updates.state == "connected")
        await app.switch_mode("sessions")
        sessions = app.screen
        assert isinstance(sessions, SessionsScreen)
        await wait_until(pilot, lambda: "0 sessions" in plain(sessions.query_one("#sessions-status")))
        await app.switch_mode("dashboard")
        assert isinstance(app.screen, DashboardScreen)
        reads = sessions.sessions_read.reads
        await other_process(database_url, tmp_path, "-m", "mhc", "session", "start")
        await wait_until(pilot, lambda: "no LIVE session" not in plain(app.screen.query_one(SessionBar)))
        assert sessions.sessions_read.reads == reads  # hidden: not read
        await app.switch_mode("sessions")
        table = sessions.query_one("#sessions-table", DataTable)
        await wait_until(pilot, lambda: table.row_count == 1 and str(table.get_row_at(0)[3]) == "LIVE",
                         what="the new session, caught up")
