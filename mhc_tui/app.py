"""The App: owns the long-lived workers (database connection, NOTIFY reader, capture) and the global keys.

The UI never waits on the network or the database: every call runs in a worker and comes back as a
typed message or a LiveRead's `show`. Every worker runs on the App, so every failure lands in one
place, `on_worker_state_changed`. Screens follow the database through the App's `LiveHub`
(mhc_tui/live.py), fed by the NOTIFY reader.
"""

from __future__ import annotations

import asyncio
import dataclasses
import importlib
import logging
import sys
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from textual import work
from textual.app import App
from textual.binding import Binding
from textual.command import CommandPalette
from textual.driver import Driver
from textual.notifications import SeverityLevel
from textual.screen import ModalScreen, Screen
from textual.signal import Signal
from textual.theme import Theme
from textual.worker import Worker, WorkerCancelled, WorkerFailed, WorkerState

from mhc_core.capture.status import ComponentStatus
from mhc_core.channels import CHANNEL_ALERTS, CHANNEL_EVENTS, CHANNEL_SESSIONS
from mhc_core.config import ConfigError, Settings
from mhc_core.display import printable
from mhc_core.heap import freeze_loaded
from mhc_tui.alerts_on_screen import AlertsOnScreen
from mhc_tui.commands import ConsoleCommands, ThemeCommands
from mhc_tui.data_access import DatabaseNotReady
from mhc_tui.keys import check_keymap
from mhc_tui.live import Changes, LiveHub, LiveRead
from mhc_tui.messages import DatabaseFailed, DatabaseReady, SessionActionDone, StatusChanged
from mhc_tui.screens.confirm import ConfirmScreen
from mhc_tui.screens.dashboard import DashboardScreen
from mhc_tui.screens.help import HelpScreen
from mhc_tui.terminal import hangup_safe
from mhc_tui.theme import CONSOLE_CSS, MIDNIGHT, THEME_NAMES, THEMES, check_theme
from mhc_tui.widgets import worker_errors
from mhc_tui.widgets.health import HealthLine, HealthState, initial_component

if TYPE_CHECKING:
    from mhc_core.capture.service import CaptureService
    from mhc_core.data.door import Data
    from mhc_core.data.views import LiveSummary
    from mhc_core.db import Database

# The database layer and the services are imported by the workers that use them, not here: the first
# frame ("connecting to the database…") then does not wait for SQLAlchemy's ORM and psycopg to load.

log = logging.getLogger(__name__)

DB_RETRY_SECONDS = 5.0
SUMMARY_INTERVAL = 1.0
CAPTURE_STOP_SECONDS = 5.0


def _mode(module: str, name: str) -> Callable[[], Screen]:
    """A mode's screen, imported on first use so the first frame does not wait for it."""

    def make() -> Screen:
        return getattr(importlib.import_module(module), name)()

    return make


class MHCApp(App[int]):
    """MHC Control Panel: the broadcaster's operator console."""

    CSS_PATH = list(CONSOLE_CSS)
    TITLE = "MHC Control Panel"
    COMMANDS = App.COMMANDS | {ConsoleCommands}
    ENABLE_COMMAND_PALETTE = True
    MODES = {
        "dashboard": DashboardScreen,
        "lookup": _mode("mhc_tui.screens.lookup", "LookupScreen"),
        "sessions": _mode("mhc_tui.screens.sessions", "SessionsScreen"),
        "watchlists": _mode("mhc_tui.screens.watchlists", "WatchlistsScreen"),
        "inbox": _mode("mhc_tui.screens.inbox", "InboxScreen"),
    }
    DEFAULT_MODE = "dashboard"
    # The help screen, the palette and `[keys]` remapping (by id) are all read from these (mhc_tui.keys).
    BINDINGS = [
        Binding("i", "inbox", "Inbox", id="inbox",
                tooltip="inbox: every unacknowledged alert, tip and private message of this broadcast"),
        Binding("d", "switch_mode('dashboard')", "Dashboard", id="dashboard",
                tooltip="dashboard: live status, stats, the feed and the room"),
        Binding("l", "switch_mode('lookup')", "Lookup", id="lookup",
                tooltip="look a person up by name or pasted text"),
        Binding("s", "switch_mode('sessions')", "Sessions", id="sessions",
                tooltip="recent stream sessions with their stats"),
        Binding("w", "switch_mode('watchlists')", "Watchlists", id="watchlists",
                tooltip="watchlists: each list with its members, who is online, what they did"),
        # Not shown in the footer (the help lists it). Not a priority binding: a focused field types "/".
        Binding("slash", "search", "Search", key_display="/", show=False, id="search",
                tooltip="search everything stored that people wrote, and every note"),
        Binding("f5", "start_session", "Start", key_display="F5", id="start_session",
                tooltip="start a LIVE stream session now"),
        Binding("f6", "end_session", "End", key_display="F6", id="end_session",
                tooltip="end the LIVE stream session (asks first)"),
        Binding("comma", "setup", "Setup", key_display=",", show=False, id="setup",
                tooltip="setup: the Events API URL and the tokens, each tried at once, saved and used"),
        Binding("escape", "back", "Back", show=False, id="back", tooltip="back to the previous screen"),
        Binding("question_mark", "help", "Help", key_display="?", id="help",
                tooltip="this help: every key the console answers to"),
        Binding("ctrl+q", "quit", "Quit", priority=True, id="quit", tooltip="leave the console"),
    ]

    def __init__(
        self,
        settings: Settings,
        *,
        clock: Callable[[], datetime] | None = None,
        database: Database | None = None,
        start_capture: bool = True,
        stop_on_signals: bool = False,
        offer_setup: bool = False,
    ) -> None:
        super().__init__()
        self.settings = settings
        # Checked before the first frame: an unknown theme or a bad `[keys]` is a ConfigError (exit 2).
        self.keymap: dict[str, str] = check_keymap(settings.keys)
        self.set_keymap(self.keymap)
        self._remembered_theme = check_theme(settings.theme)
        self._stop_on_signals = stop_on_signals
        self._offer_setup = offer_setup  # a first run with nothing configured: setup opens by itself
        self._remove_signal_handlers: Callable[[], None] | None = None
        self.clock: Callable[[], datetime] = clock or (lambda: datetime.now(UTC))
        self.db: Database | None = None
        self._data: Data | None = None
        self._given_db = database
        self._start_capture = start_capture
        self.capture: CaptureService | None = None
        self.health = HealthState(
            capture=initial_component("capture", settings, start_capture),
            stats=initial_component("stats", settings, start_capture),
            statbate=initial_component("statbate", settings, start_capture),
        )
        # Every HealthLine (one per screen) subscribes; the App publishes after each change.
        self.health_signal: Signal[HealthState] = Signal(self, "health")
        # Every screen's reads follow the database through this; it starts once the database is connected.
        self.live = LiveHub.of(self)
        # The LIVE session, the last event's age and the inbox's count, for the health line.
        self._summary: LiveRead[LiveSummary] = LiveRead(
            self, self._read_summary, self._show_summary, follows=(CHANNEL_EVENTS, CHANNEL_SESSIONS, CHANNEL_ALERTS),
            name="live summary",
        )
        self.alerts_on_screen = AlertsOnScreen(self)
        self._last_error: tuple[str, float] | None = None
        # A configuration error found once the database is there (exit 2, said after the screen is gone).
        self.config_problem: str | None = None
        self._recap_offered: set[int] = set()  # sessions whose recap was offered or shown: never twice
        self._ending: int | None = None  # the session F6 is ending in this console
        self.sub_title = settings.broadcaster

    # -- start-up ---------------------------------------------------------------------------------

    def on_mount(self) -> None:
        for theme in THEMES:
            self.register_theme(theme)
        self.theme = self._remembered_theme
        self.theme_changed_signal.subscribe(self, self._remember_theme)
        self.title = f"MHC Control Panel · {self.settings.broadcaster}"
        self.screen_change_signal.subscribe(self, self._ensure_health_line)
        self._ensure_health_line(self.screen)
        self.set_interval(SUMMARY_INTERVAL, self._tick)
        self._connect_database()
        if self._offer_setup:
            self._open_setup(first_run=True)
        if self._stop_on_signals:
            from mhc_core.stop_signals import stop_on_signals

            # SIGTERM, SIGHUP (the terminal window closed) and SIGINT quit as ctrl+q does.
            self._remove_signal_handlers = stop_on_signals(asyncio.get_running_loop(), self._quit_soon)

    # -- theme ------------------------------------------------------------------------------------

    def search_themes(self) -> None:
        """Textual's "Theme" command: only the console's own themes."""
        self.push_screen(CommandPalette(providers=[ThemeCommands], placeholder="Search for themes…"))

    def _remember_theme(self, theme: Theme) -> None:
        if theme.name in THEME_NAMES and theme.name != self._remembered_theme:
            self._remembered_theme = theme.name
            self._write_theme(theme.name)

    @work(thread=True, exclusive=True, group="remember-theme", exit_on_error=False)
    def _write_theme(self, name: str) -> None:
        """Off the UI thread; a file that cannot be written costs the choice, never the console."""
        from mhc_core.config_write import remember_setting

        try:
            path = remember_setting("theme", name)
        except (OSError, ConfigError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            log.warning("theme %s not remembered: %s", name, reason)
            self.call_from_thread(self.notify, f"Theme not remembered: {reason}", severity="warning", timeout=8)
            return
        log.info("theme %s remembered in %s", name, path)

    def get_theme_variable_defaults(self) -> dict[str, str]:
        # The CSS is parsed before on_mount picks a theme: our variables must exist from the start.
        return dict(MIDNIGHT.variables)

    def get_driver_class(self) -> type[Driver]:
        return hangup_safe(super().get_driver_class())  # a closed terminal window must not hang the stop

    def _ensure_health_line(self, screen: Screen) -> None:
        """The health line is always visible: screens that do not compose one get one mounted."""
        if isinstance(screen, ModalScreen) or not screen.is_attached:
            return
        if not screen.query(HealthLine):
            screen.mount(HealthLine())

    @work(thread=True, exclusive=True, group="database", exit_on_error=False)
    def _connect_database(self) -> None:
        from mhc_core.db import DatabaseUnavailable, migrate, open_database

        try:
            if self._given_db is not None:
                self._given_db.check()
                db = self._given_db
            else:
                db = open_database(self.settings)
                migrate.upgrade(db.engine)
        except DatabaseUnavailable as exc:
            self.post_message(DatabaseFailed(str(exc)))
            return
        from mhc_core.data.door import Data  # here, so the ORM loads off the event loop

        self.post_message(DatabaseReady(db, Data(db, self.settings, clock=self.clock)))

    @property
    def data(self) -> Data:
        """The data door every screen reads and writes through; DatabaseNotReady until connected."""
        if self._data is None:
            raise DatabaseNotReady()
        return self._data

    @property
    def data_ready(self) -> bool:
        return self._data is not None

    def on_database_ready(self, message: DatabaseReady) -> None:
        first = self.db is None
        self.db = message.db
        self._data = message.data
        self._set_status(ComponentStatus("database", "connected", message.db.where))
        if first:
            freeze_loaded()  # the database layer and the ORM are loaded now (see mhc_core.heap)
            self._read_notifications()
            if self._start_capture:
                self._run_capture()
        self.live.start()
        self._summary.request()
        if first:
            self.alerts_on_screen.start()

    def on_database_failed(self, message: DatabaseFailed) -> None:
        # Announced once, on the change.
        self._set_status(ComponentStatus("database", "unreachable", message.reason))
        self.set_timer(DB_RETRY_SECONDS, self._connect_database)

    # -- long-lived workers -----------------------------------------------------------------------

    @work(exclusive=True, group="notify", exit_on_error=False)
    async def _read_notifications(self) -> None:
        from mhc_core.db.notify import listen

        assert self.db is not None
        # This worker runs on the App's event loop, so the hook may update the health state directly.
        async for note in listen(self.db.engine.url, on_disconnect=self._live_updates_lost):
            if note is None:
                if self.health.live_updates.state != "connected":
                    self._set_status(ComponentStatus("live_updates", "connected", ""))
                self.live.everything()  # whatever was committed while it was away
            else:
                self.live.changed(note.channel, note.payload)

    def _live_updates_lost(self, reason: str) -> None:
        """The NOTIFY connection dropped (or cannot be made): say so until listen() reconnects."""
        lost = self.health.live_updates
        if lost.state != "reconnecting" or lost.message != reason:
            # Announced once, on the change.
            self._set_status(ComponentStatus("live_updates", "reconnecting", reason))

    @work(exclusive=True, group="capture", exit_on_error=False)
    async def _run_capture(self) -> None:
        # Loaded in a thread: a quarter of a second of imports (httpx, the projection) on the event loop
        # would hold every key and frame meanwhile.
        service = await asyncio.to_thread(importlib.import_module, "mhc_core.capture.service")
        freeze_loaded()

        assert self.db is not None
        from mhc_core.alerts.engine import check_alert_lists

        # A rule naming a list that does not exist is a configuration error, as in `mhc listen`.
        problem = await asyncio.to_thread(check_alert_lists, self.settings, self.db)
        if problem is not None:
            log.error("console: %s", problem)
            self.config_problem = problem
            self.exit(return_code=2)
            return
        self.capture = service.CaptureService(self.settings, self.db, on_status=self._on_capture_status)
        for status in list(self.capture.statuses.values()):
            self.post_message(StatusChanged(status))
        await self.capture.run()

    def _on_capture_status(self, status: ComponentStatus) -> None:
        # May be called from the capture's own threads: post_message is thread-safe.
        self.post_message(StatusChanged(status))

    def on_status_changed(self, message: StatusChanged) -> None:
        self._set_status(message.status)

    # -- health ----------------------------------------------------------------------------------

    def _set_status(self, status: ComponentStatus) -> None:
        self._set_health(self.health.with_status(status))

    def _set_health(self, health: HealthState) -> None:
        old, self.health = self.health, health
        for problem in health.new_problems(old):
            self.notify(problem.message, title=problem.title, severity=problem.severity, timeout=8)
        self.health_signal.publish(health)

    def _tick(self) -> None:
        # No I/O here: refresh running times from the clock. While the database is unreachable the
        # summary read is the probe that notices it is back.
        self.health_signal.publish(self.health)
        if self.health.database.state == "unreachable" and self.db is not None:
            self._summary.request()

    def _read_summary(self, _changes: Changes) -> LiveSummary:
        return self.data.live_summary()

    def _show_summary(self, summary: LiveSummary) -> None:
        before = self.health.summary
        if before is not None and before.session_id is not None and summary.session_id != before.session_id:
            self._session_ended_elsewhere(before.session_id)
        if summary.scope_hint and not (before is not None and before.scope_hint):  # notified by new_problems
            log.warning("the last broadcast had chat but no tip or private message: "
                        "the Events API token may lack the full scope")
        health = self.health.with_summary(summary)
        db, was_unreachable = self.db, health.database.state == "unreachable"
        if was_unreachable and db is not None:
            health = health.with_status(ComponentStatus("database", "connected", db.where))
        self._set_health(health)
        if was_unreachable:
            self.live.retry_failed()  # the database answers again: what could not be read meanwhile

    # -- settings --------------------------------------------------------------------------------

    def action_setup(self) -> None:
        from mhc_tui.screens.setup import SetupScreen

        if not isinstance(self.screen, ModalScreen) or isinstance(self.screen, SetupScreen):
            if not isinstance(self.screen, SetupScreen):
                self._open_setup(first_run=False)

    def _open_setup(self, *, first_run: bool) -> None:
        from mhc_tui.screens.setup import SetupScreen

        def closed(saved: bool | None) -> None:
            if first_run and not saved:
                self._mark_setup_offered()

        self.push_screen(SetupScreen(), closed)

    @work(thread=True, exclusive=True, group="setup-offered", exit_on_error=False)
    def _mark_setup_offered(self) -> None:
        """A first run's setup closed unsaved: an empty settings file, so it does not open by itself
        again (`,` still opens it)."""
        from mhc_core.config_write import write_settings

        try:
            write_settings({}, private=True)
        except (OSError, ConfigError) as exc:
            log.warning("settings file not created: %s", exc)

    def apply_settings(self, settings: Settings) -> None:
        """Saved settings in use at once: capture, the poller and Statbate restart on them."""
        self.run_worker(self._restart_on(settings), group="apply-settings", exclusive=True, exit_on_error=False)

    async def _restart_on(self, settings: Settings) -> None:
        await self._stop_capture()
        self.settings = settings
        self.capture = None
        self.sub_title = settings.broadcaster
        self.title = f"MHC Control Panel · {settings.broadcaster}"
        self._set_health(dataclasses.replace(
            self.health,
            capture=initial_component("capture", settings, self._start_capture),
            stats=initial_component("stats", settings, self._start_capture),
            statbate=initial_component("statbate", settings, self._start_capture),
        ))
        if self.db is not None:
            from mhc_core.data.door import Data

            self._data = Data(self.db, settings, clock=self.clock)
            if self._start_capture:
                self._run_capture()
            self.live.everything()  # the broadcaster, the tiers, the tokens may have changed
        log.info("console: settings applied for %s", settings.broadcaster)

    async def _stop_capture(self) -> None:
        """Let capture finish its batch, save the cursor and release the lock."""
        if self.capture is None:
            return
        self.capture.stop()
        for worker in self.workers:
            if worker.group == "capture" and worker.is_running:
                try:
                    await asyncio.wait_for(worker.wait(), CAPTURE_STOP_SECONDS)
                except (TimeoutError, WorkerFailed, WorkerCancelled):
                    log.warning("capture did not stop cleanly within %.0f s", CAPTURE_STOP_SECONDS)

    # -- session actions -------------------------------------------------------------------------

    def action_start_session(self) -> None:
        if self._need_db():
            self._start_session()

    def action_end_session(self) -> None:
        if not self._need_db():
            return

        def confirmed(yes: bool | None) -> None:
            if yes:
                # Its recap opens when the end is done here; the summary read must not ask about it too.
                self._ending = self.health.summary.session_id if self.health.summary else None
                self._end_session()

        self.push_screen(
            ConfirmScreen(f"End the LIVE session for {self.settings.broadcaster}?", yes="End session"), confirmed
        )

    @work(thread=True, group="session-action", exit_on_error=False)
    def _start_session(self) -> None:
        self.post_message(SessionActionDone(f"Session {self.data.start_session().id} started."))

    @work(thread=True, group="session-action", exit_on_error=False)
    def _end_session(self) -> None:
        ended = self.data.end_session().id
        self.post_message(SessionActionDone(f"Session {ended} ended.", ended=ended))

    def on_session_action_done(self, message: SessionActionDone) -> None:
        self.notify(message.said)
        if message.ended is not None:
            self._ending = None
        if message.ended is not None and message.ended not in self._recap_offered:
            # Ended here, on purpose: the recap is what comes next, so it opens without asking.
            self._recap_offered.add(message.ended)
            self._open_recap(message.ended)
        self._summary.request()

    def _session_ended_elsewhere(self, session_id: int) -> None:
        """The LIVE session ended (another console, `mhc session end`, a broadcast stop): offer its recap
        once, as a question (a notification has no key to answer it with)."""
        if session_id in self._recap_offered or session_id == self._ending:
            return
        self._recap_offered.add(session_id)

        def answered(yes: bool | None) -> None:
            if yes:
                self._open_recap(session_id)

        self.push_screen(ConfirmScreen(f"Session {session_id} ended. Show its recap?", yes="Show recap",
                                       no="Not now"), answered)

    def _open_recap(self, session_id: int) -> None:
        from mhc_tui.screens.recap import RecapScreen

        self.push_screen(RecapScreen(session_id))

    def _need_db(self) -> bool:
        if self.db is None:
            self.notify("Not connected to the database yet.", severity="warning")
            return False
        return True

    def notify(self, message: str, *, title: str = "", severity: SeverityLevel = "information",
               timeout: float | None = None, markup: bool = True) -> None:
        # Notifications echo outside text (names, server replies): always literal, controls visible.
        super().notify(printable(message, one_line=False), title=printable(title), severity=severity,
                       timeout=timeout, markup=False)

    # -- navigation -------------------------------------------------------------------------------

    def open_person(self, person_id: uuid.UUID) -> None:
        from mhc_tui.screens.person import PersonScreen

        self.push_screen(PersonScreen(person_id))

    def open_session(self, session_id: int, *, line: int | None = None) -> None:
        """A session's screen; with `line` (an interaction id), its transcript's cursor on that line."""
        from mhc_tui.screens.session_detail import SessionDetailScreen

        self.push_screen(SessionDetailScreen(session_id, line=line))

    def action_search(self) -> None:
        from mhc_tui.screens.search import SearchScreen

        if isinstance(self.screen, ModalScreen):
            return  # a question or a form is open: it has the keys
        if isinstance(self.screen, SearchScreen):
            self.screen.action_focus_text()
        else:
            self.push_screen(SearchScreen())

    async def action_inbox(self) -> None:
        """The inbox is a mode like the dashboard: `d`, `l`, `s`, `w` leave it, `i` comes back to it."""
        if isinstance(self.screen, ModalScreen):
            return  # a question or a form is open: it has the keys
        if self.current_mode != "inbox":
            await self.switch_mode("inbox")
            return
        while len(self.screen_stack) > 1:  # a person opened from the inbox: back to the list
            await self.pop_screen()

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    async def action_back(self) -> None:
        if len(self.screen_stack) > 1:
            await self.pop_screen()

    def _quit_soon(self) -> None:
        self.call_later(self.action_quit)

    # -- the one place worker failures land -------------------------------------------------------

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state != WorkerState.ERROR:
            return  # results come back as messages (or a LiveRead's show), not here
        worker = event.worker
        if worker.group == "session-action":
            self._ending = None  # the end failed: if it ends some other way, its recap is offered
        if worker.group == "notify":
            # Announced below; the health line shows it until a reconnect.
            stopped = ComponentStatus("live_updates", "reconnecting", "reader stopped")
            self.health = self.health.with_status(stopped)
            self.health_signal.publish(self.health)
            self.set_timer(DB_RETRY_SECONDS, self._read_notifications)  # keep the screens live
        self.report_worker_error(worker)

    def report_worker_error(self, worker: Worker[Any]) -> None:
        """Surface a failed worker as one notification. Every worker runs on the App, so this is the one
        place failures are logged, de-duplicated and said; foreseeable ones read as one plain line."""
        error = worker.error
        if error is None:
            return
        message, severity = worker_errors.describe(error)
        if worker_errors.about_database(error):
            # The database went away under a running console: the health line says so (announced once,
            # on the change) and the summary read probes every second until a read succeeds again.
            log.warning("worker %s: %s", worker.name, message)
            if self.db is not None:
                self._set_status(ComponentStatus("database", "unreachable", message))
                self._heal_database()
            return
        if severity == "error":
            log.error("worker %s failed", worker.name, exc_info=error)
        if worker.group in ("notify", "capture"):
            message = f"{'Notifications' if worker.group == 'notify' else 'Capture'} stopped: {message}"
        now = time.monotonic()
        if self._last_error is not None and self._last_error[0] == message and now - self._last_error[1] < 30:
            return  # the same failure again (e.g. a panel retrying): said already
        self._last_error = (message, now)
        self.notify(message, severity=severity, timeout=8)

    async def action_quit(self) -> None:
        await self._stop_capture()  # before the loop goes
        self.exit(0)

    @work(thread=True, exclusive=True, group="heal", exit_on_error=False)
    def _heal_database(self) -> None:
        """The embedded server may have died under the console: start it again (a no-op otherwise)."""
        if self.db is not None:
            self.db.heal()

    def on_unmount(self) -> None:
        if self._remove_signal_handlers is not None:
            self._remove_signal_handlers()
        if self.capture is not None:
            self.capture.stop()
        if self.db is not None and self.db is not self._given_db:
            self.db.dispose()


def run_console(settings: Settings, *, verbose: bool) -> int:
    """Run the console until the operator quits; returns the process exit code."""
    log.info("console starting for %s (verbose=%s)", settings.broadcaster, verbose)
    from mhc_core.setup.first_run import is_first_run

    app = MHCApp(settings, stop_on_signals=True, offer_setup=is_first_run(settings))
    result = app.run()
    if app.config_problem is not None:
        print(f"mhc: {app.config_problem}", file=sys.stderr)
    if app.return_code not in (None, 0):
        return app.return_code
    return result if isinstance(result, int) else 0
