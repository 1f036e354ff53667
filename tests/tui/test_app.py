"""The App: global keys, session start/end, help, modes, the health line and an unreachable database."""

from __future__ import annotations

from sqlalchemy import select, text

from mhc_core.capture.status import ComponentStatus
from mhc_core.config import Settings
from mhc_core.db.models import SessionStatus, StreamSession
from mhc_core.db.notify import CHANNEL_EVENTS, notify
from mhc_tui.messages import StatusChanged
from mhc_tui.screens.confirm import ConfirmScreen
from mhc_tui.screens.dashboard import DashboardScreen
from mhc_tui.screens.help import HelpScreen
from mhc_tui.widgets.event_feed import FeedView
from mhc_tui.widgets.health import HealthLine
from tests.tui.conftest import NOW, dashboard_loaded, notices, settle, wait_until


def _sessions(db) -> list[tuple[int, str]]:  # type: ignore[no-untyped-def]
    with db.session() as s:
        return [(r.id, r.status) for r in s.scalars(select(StreamSession).order_by(StreamSession.id))]


def _health(app) -> str:  # type: ignore[no-untyped-def]
    return str(app.screen.query_one(HealthLine).render())


async def test_opens_on_the_dashboard_naming_the_broadcaster(make_app, seed_room):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: dashboard_loaded(app), what="dashboard")
        assert isinstance(app.screen, DashboardScreen)
        assert "hudson_cage" in app.title
        await wait_until(pilot, lambda: "LIVE" in _health(app), what="health summary")
        assert "1:30:00 · 625 tk" in _health(app)
        assert "last event 30 s ago" in _health(app)


async def test_f5_starts_a_session(make_app, db):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: app.db is not None)
        await pilot.press("f5")
        await wait_until(pilot, lambda: _sessions(db) == [(1, SessionStatus.LIVE.value)], what="session start")
        await wait_until(pilot, lambda: "Session 1 started." in notices(app))
        with db.session() as s:
            assert s.get(StreamSession, 1).started_at == NOW


async def test_f5_when_already_live_says_so(make_app, seed_room, db):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: app.db is not None)
        await pilot.press("f5")
        await wait_until(pilot, lambda: any("already LIVE" in n for n in notices(app)), what="warning")
        assert app.is_running
        assert [status for _id, status in _sessions(db)] == ["ENDED", "LIVE"]


async def test_f6_then_y_ends_the_session(make_app, seed_room, db):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: app.db is not None)
        await pilot.press("f6")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await wait_until(pilot, lambda: _sessions(db)[-1][1] == "ENDED", what="session end")
        await wait_until(pilot, lambda: f"Session {seed_room.session_id} ended." in notices(app))


async def test_f6_then_n_or_escape_cancels(make_app, seed_room, db):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: app.db is not None)
        for key in ("n", "escape"):
            await pilot.press("f6")
            assert isinstance(app.screen, ConfirmScreen)
            await pilot.press(key)
            await settle(pilot)
            assert not isinstance(app.screen, ConfirmScreen)
        assert _sessions(db)[-1][1] == "LIVE"


async def test_f6_with_nothing_live_says_so(make_app, db):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: app.db is not None)
        await pilot.press("f6", "y")
        await wait_until(pilot, lambda: any("no LIVE session" in n for n in notices(app)), what="warning")
        assert app.is_running


async def test_f5_works_from_another_screen(make_app, db):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: app.db is not None)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape", "s")
        await settle(pilot)
        assert app.current_mode == "sessions"
        await pilot.press("f5")
        await wait_until(pilot, lambda: _sessions(db) == [(1, "LIVE")], what="session start")


async def test_help_screen_opens_and_closes(make_app, db):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        assert isinstance(app.screen, DashboardScreen)


async def test_mode_keys_switch_screens(make_app, db):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("l")
        assert app.current_mode == "lookup"
        app.screen.set_focus(None)  # typing goes to the lookup's input otherwise
        await pilot.press("d")
        assert app.current_mode == "dashboard"
        assert isinstance(app.screen, DashboardScreen)


async def test_command_palette_starts_a_session(make_app, db):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: app.db is not None)
        await pilot.press("ctrl+p")
        await pilot.press(*"start session")
        await settle(pilot)
        await pilot.press("enter")
        await wait_until(pilot, lambda: _sessions(db) == [(1, "LIVE")], what="session start from the palette")


def _status(component: str, state: str, message: str = "", **kw) -> ComponentStatus:  # type: ignore[no-untyped-def]
    return ComponentStatus(component=component, state=state, message=message, at=NOW, **kw)  # type: ignore[arg-type]


async def test_health_line_not_configured_by_default(make_app, db):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: "no events yet" in _health(app), what="health summary")
        text = _health(app)
        assert "capture not configured" in text
        assert "stats not configured" in text
        assert "no events yet" in text
        assert "OFFLINE" in text


async def test_health_line_held_elsewhere_and_retrying(make_app, db):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: app.db is not None)
        app.post_message(StatusChanged(_status("capture", "held_elsewhere", "held by box:4242", holder="box:4242",
                                               retry_in=3.0)))
        app.post_message(StatusChanged(_status("stats", "retrying", "retrying in 12 s (attempt 2): timed out",
                                               retry_in=12.0)))
        await settle(pilot)
        text = _health(app)
        assert "capture held by box:4242" in text
        assert "stats retrying in 12 s" in text
        # The same problem reported again by the next poll is not announced again.
        app.post_message(StatusChanged(_status("stats", "retrying", "retrying in 12 s (attempt 3): timed out",
                                               retry_in=12.0)))
        await settle(pilot)
        assert sum("timed out" in n for n in notices(app)) == 1
        assert sum("box:4242" in n for n in notices(app)) == 1


async def test_health_line_token_rejected(make_app, db):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        app.post_message(StatusChanged(_status("capture", "auth_failed", "the Events API rejected the token")))
        await settle(pilot)
        assert "capture token rejected" in _health(app)
        assert "the Events API rejected the token" in notices(app)


async def test_unreachable_database_is_shown_and_the_app_keeps_running(make_app, tmp_path):
    settings = Settings(database_url="postgresql+psycopg://postgres@127.0.0.1:1/nowhere", log_dir=tmp_path / "l",
                        data_dir=tmp_path / "d")
    app = make_app(settings=settings, database=None)
    async with app.run_test(size=(120, 40)) as pilot:
        assert "connecting to database" in _health(app) or "unreachable" in _health(app)
        await wait_until(pilot, lambda: "unreachable" in _health(app), timeout=15, what="unreachable")
        assert any("127.0.0.1:1/nowhere" in n for n in notices(app))
        await pilot.press("f5")
        await settle(pilot)
        assert "Not connected to the database yet." in notices(app)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)


async def test_the_app_connects_once_the_database_comes_back(make_app, db, monkeypatch):
    from mhc_core.db import Database, DatabaseUnavailable
    from mhc_tui import app as app_module

    monkeypatch.setattr(app_module, "DB_RETRY_SECONDS", 0.2)
    failures = iter([True, True])

    class Flaky(Database):
        def check(self) -> None:
            if next(failures, False):
                raise DatabaseUnavailable("cannot reach the database at somewhere:5432/x: Connection refused")
            super().check()

    app = make_app(database=Flaky(engine=db.engine, sessions=db.sessions, where=db.where))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: "unreachable (Connection refused), retrying" in _health(app), what="down")
        await wait_until(pilot, lambda: "db connected" in _health(app), what="connected again")
        await wait_until(pilot, lambda: dashboard_loaded(app), what="dashboard")
        assert sum("Connection refused" in n for n in notices(app)) == 1  # announced once, not every retry


async def test_command_palette_notes_on_the_selected_feed_line(make_app, seed_room):
    from mhc_tui.screens.note import NoteModal

    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: dashboard_loaded(app), what="dashboard")
        await pilot.press("ctrl+p")
        await pilot.press(*"note on selected")
        await settle(pilot)
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, NoteModal), what="note modal")
        assert app.screen.username == "alice_01"  # the newest line is selected while following


def _terminate_listen(db) -> int:  # type: ignore[no-untyped-def]
    """Kill the console's NOTIFY connection, as a server restart or a network drop would."""
    with db.engine.begin() as conn:
        return len(conn.execute(text(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE 'LISTEN%' "
            "AND datname = current_database() AND pid <> pg_backend_pid()"
        )).all())


async def test_health_line_shows_live_updates_reconnecting(make_app, seed_room, db):
    from mhc_core.services import interactions, persons

    app = make_app()
    said: list[str] = []  # every notification (toasts expire, so notices() could miss an early one)
    real_notify = app.notify
    app.notify = lambda message, **kw: (said.append(message), real_notify(message, **kw))[1]  # type: ignore[method-assign]
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: dashboard_loaded(app) and app.health.live_updates.state == "connected",
                         what="dashboard and LISTEN")
        await wait_until(pilot, lambda: "last event" in _health(app), what="health summary")
        assert "live updates" not in _health(app)
        assert _terminate_listen(db) == 1
        await wait_until(pilot, lambda: "db connected │ live updates reconnecting…" in _health(app),
                         what="reconnecting shown")
        assert sum("notification connection was lost" in n for n in said) == 1
        await wait_until(pilot, lambda: "live updates" not in _health(app), what="reconnected")
        assert "db connected │ last event 30 s ago" in _health(app)
        # Live again: a committed event reaches the feed.
        with db.session() as s:
            gina = persons.find_or_create(s, "gina_g", role="VIEWER")
            interactions.append(s, gina.id, "CHAT_MESSAGE", content="back?", timestamp=NOW, source="cb_events",
                                event_id="after-reconnect", stream_session_id=seed_room.session_id)
            notify(s, CHANNEL_EVENTS, {"count": 1})
        view = app.screen.query_one(FeedView)
        await wait_until(pilot, lambda: view.selected is not None and view.selected.content == "back?",
                         what="the event after the reconnect")
        # A second drop is a new problem: announced again, once.
        assert _terminate_listen(db) == 1
        await wait_until(pilot, lambda: "live updates reconnecting…" in _health(app), what="reconnecting again")
        await wait_until(pilot, lambda: "live updates" not in _health(app), what="reconnected again")
        assert sum("notification connection was lost" in n for n in said) == 2
