"""The dashboard: acting on the selected person (open, note), and honest empty states."""

from __future__ import annotations

from pydantic import SecretStr
from rich.console import Console
from sqlalchemy import select

from mhc_core.config import Settings
from mhc_core.db.models import Interaction
from mhc_tui.screens.dashboard import DashboardScreen
from mhc_tui.screens.note import NoteModal
from mhc_tui.screens.person import PersonScreen
from mhc_tui.widgets.event_feed import FeedView
from mhc_tui.widgets.room_list import RoomList
from mhc_tui.widgets.session_bar import SessionBar
from mhc_tui.widgets.stats_panel import StatsPanel
from tests.tui.conftest import NOW, dashboard_loaded, notices, settle, wait_until


def _notes(db):  # type: ignore[no-untyped-def]
    with db.session() as s:
        return [(n.person_id, n.content, n.stream_session_id, n.timestamp)
                for n in s.scalars(select(Interaction).where(Interaction.type == "MANUAL_NOTE"))]


async def _select_feed_line(pilot, app, username: str, content: str | None = None) -> None:  # type: ignore[no-untyped-def]
    view = app.screen.query_one(FeedView)
    view.focus()
    await pilot.press("end")
    for _ in range(view.visible_count):
        item = view.selected
        if item.username == username and (content is None or item.content == content):
            return
        await pilot.press("up")
    raise AssertionError(f"no line for {username}")


async def test_note_from_the_feed(make_app, seed_room, db):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: dashboard_loaded(app), what="dashboard")
        await _select_feed_line(pilot, app, "dave99", "are you doing a show on friday?")
        await pilot.press("n")
        assert isinstance(app.screen, NoteModal)
        assert app.screen.username == "dave99"
        await pilot.press(*"asked about friday")
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, DashboardScreen), what="modal closed")
        assert _notes(db) == [(seed_room.person_ids["dave99"], "asked about friday", seed_room.session_id, NOW)]
        assert "Note saved on dave99." in notices(app)


async def test_note_escape_saves_nothing_and_empty_note_is_refused(make_app, seed_room, db):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: dashboard_loaded(app), what="dashboard")
        await _select_feed_line(pilot, app, "alice_01")
        await pilot.press("n", "enter")
        assert isinstance(app.screen, NoteModal)  # empty: stays open
        assert "A note needs some text." in notices(app)
        await pilot.press(*"never mind", "escape")
        assert isinstance(app.screen, DashboardScreen)
        await settle(pilot)
        assert _notes(db) == []


async def test_enter_opens_the_person_from_the_feed(make_app, seed_room):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: dashboard_loaded(app), what="dashboard")
        opened = []
        real_open = app.open_person
        app.open_person = lambda person_id: (opened.append(person_id), real_open(person_id))  # type: ignore[method-assign]
        await _select_feed_line(pilot, app, "carol_x")
        await pilot.press("enter")
        await settle(pilot)
        assert opened == [seed_room.person_ids["carol_x"]]
        assert isinstance(app.screen, PersonScreen)
        assert app.screen.person_id == seed_room.person_ids["carol_x"]
        await pilot.press("escape")
        assert isinstance(app.screen, DashboardScreen)


async def test_room_list_open_and_note(make_app, seed_room):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: dashboard_loaded(app), what="dashboard")
        room = app.screen.query_one(RoomList)
        assert [room.get_row_at(i)[0].plain for i in range(room.row_count)] == [
            "frank_new", "carol_x", "bob_the_tipper", "alice_01"
        ]
        room.focus()
        await pilot.press("down")
        await pilot.press("n")
        assert isinstance(app.screen, NoteModal) and app.screen.username == "carol_x"
        await pilot.press("escape")
        opened = []
        app.open_person = opened.append  # type: ignore[method-assign]
        await pilot.press("enter")
        assert opened == [seed_room.person_ids["carol_x"]]


async def test_empty_database_shows_no_invented_figures(make_app, db):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: dashboard_loaded(app), what="dashboard")
        stats = "\n".join(_plain(app.screen.query_one(StatsPanel)))
        assert "Stats API not configured — set MHC_STATS_TOKEN" in stats  # no token in the test settings
        assert "no stats yet" not in stats
        bar = "\n".join(_plain(app.screen.query_one(SessionBar)))
        assert "no LIVE session" in bar and "no sessions recorded yet" in bar
        assert app.screen.query_one(FeedView).visible_count == 0
        await pilot.press("n")
        assert "Select a line in the feed or the room first." in notices(app)


def _with_stats_token(settings: Settings) -> Settings:
    return settings.model_copy(update={"stats_token": SecretStr("stats-token")})


async def test_stats_panel_shows_changes_since_last_snapshot_and_session_start(make_app, seed_room, settings):
    app = make_app(settings=_with_stats_token(settings))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: dashboard_loaded(app), what="dashboard")
        panel = app.screen.query_one(StatsPanel)
        lines = [line for line in _plain(panel) if "token balance" in line]
        assert lines and lines[0].split()[-3:] == ["10,625", "+100", "+625"]
        assert "Stats API · 21:25 (5 min ago)" in (panel.border_subtitle or "")
        assert "polling off" not in "\n".join(_plain(panel))


async def test_stats_panel_with_a_token_and_nothing_stored_waits_for_the_poller(make_app, db, settings):
    app = make_app(settings=_with_stats_token(settings))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: dashboard_loaded(app), what="dashboard")
        stats = "\n".join(_plain(app.screen.query_one(StatsPanel)))
        assert "no stats yet — the Stats API poller has not stored a" in stats
        assert "not configured" not in stats


async def test_stats_panel_without_a_token_still_shows_stored_snapshots(make_app, seed_room, settings):
    assert settings.stats_token is None
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: dashboard_loaded(app), what="dashboard")
        panel = app.screen.query_one(StatsPanel)
        text = _plain(panel)
        assert text[0].startswith("Chaturbate said online") and text[0].rstrip().endswith("stored data · polling off")
        lines = [line for line in text if "token balance" in line]
        assert lines and lines[0].split()[-3:] == ["10,625", "+100", "+625"]
        assert panel.border_subtitle == "stored 21:25 (5 min ago) · set MHC_STATS_TOKEN"
        assert "not configured" not in "\n".join(text)


def _plain(widget) -> list[str]:  # type: ignore[no-untyped-def]
    console = Console(width=widget.content_region.width, record=True, color_system=None)
    console.print(widget.content)
    return console.export_text().splitlines()
