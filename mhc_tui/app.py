"""The App: owns the long-lived workers (database connection, NOTIFY reader, capture) and the global keys.

The UI never waits on the network or the database: every call runs in a worker and comes back as a
message. Worker failures are surfaced in one place, `on_worker_state_changed`.
"""

from __future__ import annotations

import importlib
import logging
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.exc import DBAPIError, OperationalError
from textual import on, work
from textual.app import App
from textual.binding import Binding
from textual.screen import ModalScreen, Screen
from textual.signal import Signal
from textual.widgets import Footer, Static
from textual.worker import Worker, WorkerState

from mhc_core.config import Settings
from mhc_core.db import Database, DatabaseUnavailable
from mhc_core.services import feed, sessions
from mhc_core.services.notes import EmptyNote
from mhc_core.services.persons import InvalidUsername
from mhc_tui.commands import ConsoleCommands
from mhc_tui.messages import DatabaseFailed, DatabaseReady, DataChanged, NotifyConnection, StatusChanged
from mhc_tui.screens.confirm import ConfirmScreen
from mhc_tui.screens.dashboard import DashboardScreen
from mhc_tui.screens.help import HelpScreen
from mhc_tui.theme import THEME
from mhc_tui.widgets.health import HealthLine, HealthState, initial_component

log = logging.getLogger(__name__)

DB_RETRY_SECONDS = 5.0
SUMMARY_INTERVAL = 1.0


class _NotBuiltScreen(Screen):
    """Stands in for a screen whose module is not there yet, so the console still runs."""

    def __init__(self, title: str) -> None:
        super().__init__()
        self._what = title

    def compose(self):  # type: ignore[no-untyped-def]
        yield Static(f"The {self._what} screen is not available in this build.", classes="placeholder")
        yield Footer()


def _load(module: str, name: str) -> type[Screen] | None:
    try:
        mod = importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name != module:
            raise
        return None
    return getattr(mod, name, None)


def _mode(module: str, name: str, title: str) -> Callable[[], Screen]:
    def make() -> Screen:
        cls = _load(module, name)
        return cls() if cls is not None else _NotBuiltScreen(title)

    return make


def _describe_failure(error: BaseException) -> tuple[str, str]:
    """(message, severity) for a worker failure; foreseeable ones get one plain line, never a traceback."""
    if isinstance(error, sessions.SessionError | EmptyNote | InvalidUsername):
        return str(error), "warning"
    if isinstance(error, DatabaseUnavailable):
        return str(error), "error"
    if isinstance(error, OperationalError | DBAPIError):
        original = getattr(error, "orig", None) or error
        first = (str(original).strip().splitlines() or [type(original).__name__])[0]
        return f"database error: {first}", "error"
    return f"unexpected error: {type(error).__name__}: {error}", "error"


class MHCApp(App[int]):
    """MHC Control Panel: the broadcaster's operator console."""

    CSS_PATH = "app.tcss"
    TITLE = "MHC Control Panel"
    COMMANDS = App.COMMANDS | {ConsoleCommands}
    ENABLE_COMMAND_PALETTE = True
    MODES = {
        "dashboard": DashboardScreen,
        "lookup": _mode("mhc_tui.screens.lookup", "LookupScreen", "Lookup"),
        "sessions": _mode("mhc_tui.screens.sessions", "SessionsScreen", "Sessions"),
    }
    DEFAULT_MODE = "dashboard"
    BINDINGS = [
        Binding("d", "switch_mode('dashboard')", "Dashboard"),
        Binding("l", "switch_mode('lookup')", "Lookup"),
        Binding("s", "switch_mode('sessions')", "Sessions"),
        Binding("f5", "start_session", "Start session"),
        Binding("f6", "end_session", "End session"),
        Binding("escape", "back", "Back", show=False),
        Binding("question_mark", "help", "Help", key_display="?"),
        Binding("ctrl+q", "quit", "Quit", priority=True),
    ]

    def __init__(
        self,
        settings: Settings,
        *,
        clock: Callable[[], datetime] | None = None,
        database: Database | None = None,
        start_capture: bool = True,
    ) -> None:
        super().__init__()
        self.settings = settings
        self.clock: Callable[[], datetime] = clock or (lambda: datetime.now(UTC))
        self.db: Database | None = None
        self._given_db = database
        self._start_capture = start_capture
        self.capture: Any = None
        self.health = HealthState(
            capture=initial_component("capture", settings, start_capture),
            stats=initial_component("stats", settings, start_capture),
        )
        # Every HealthLine (one per screen) subscribes; the App publishes after each change.
        self.health_signal: Signal[HealthState] = Signal(self, "health")
        self._summary_due = True
        self._summary_running = False
        self.sub_title = settings.broadcaster

    # -- start-up ---------------------------------------------------------------------------------

    def on_mount(self) -> None:
        self.register_theme(THEME)
        self.theme = THEME.name
        self.title = f"MHC Control Panel · {self.settings.broadcaster}"
        self.screen_change_signal.subscribe(self, self._ensure_health_line)
        self._ensure_health_line(self.screen)
        self.set_interval(SUMMARY_INTERVAL, self._tick)
        self._connect_database()

    def _ensure_health_line(self, screen: Screen) -> None:
        """The health line is always visible: screens that do not compose one get one mounted."""
        if isinstance(screen, ModalScreen) or not screen.is_attached:
            return
        if not screen.query(HealthLine):
            screen.mount(HealthLine())

    @work(thread=True, exclusive=True, group="database", exit_on_error=False)
    def _connect_database(self) -> None:
        from mhc_core.db import migrate, open_database

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
        self.post_message(DatabaseReady(db))

    def on_database_ready(self, message: DatabaseReady) -> None:
        first = self.db is None
        self.db = message.db
        self._set_health(database=("connected", message.db.where))
        if first:
            self._read_notifications()
            if self._start_capture:
                self._run_capture()
        self._summary_due = True

    def on_database_failed(self, message: DatabaseFailed) -> None:
        was_ok = self.health.database[0] != "unreachable"
        self._set_health(database=("unreachable", message.reason))
        if was_ok:
            self.notify(f"{message.reason}\nRetrying every {DB_RETRY_SECONDS:.0f} s.", title="Database",
                        severity="error", timeout=10)
        self.set_timer(DB_RETRY_SECONDS, self._connect_database)

    # -- long-lived workers -----------------------------------------------------------------------

    @work(exclusive=True, group="notify", exit_on_error=False)
    async def _read_notifications(self) -> None:
        from mhc_core.capture.notify import listen

        assert self.db is not None
        async for note in listen(self.db.engine.url):
            if note is None:
                self.post_message(NotifyConnection())
                self._broadcast(DataChanged("*", {}))
            else:
                self._broadcast(DataChanged(note.channel, note.payload))
                if note.channel in ("mhc_events", "mhc_sessions"):
                    self._summary_due = True

    def _broadcast(self, message: DataChanged) -> None:
        """To the active screen; a modal leaves the screen beneath it visible, so that one hears too."""
        self.screen.post_message(message)
        if isinstance(self.screen, ModalScreen):
            for screen in reversed(self.screen_stack[:-1]):
                if not isinstance(screen, ModalScreen):
                    screen.post_message(DataChanged(message.channel, message.payload))
                    break

    def on_notify_connection(self, _message: NotifyConnection) -> None:
        self._summary_due = True

    @work(exclusive=True, group="capture", exit_on_error=False)
    async def _run_capture(self) -> None:
        try:
            from mhc_core.capture.service import CaptureService
        except ModuleNotFoundError as exc:
            if exc.name not in ("mhc_core.capture.service", "mhc_core.capture.status"):
                raise
            log.info("capture service not available in this build; observing only")
            return
        self.capture = CaptureService(self.settings, self.db, on_status=self._on_capture_status)
        for status in list(self.capture.statuses.values()):
            self.post_message(StatusChanged(status))
        await self.capture.run()

    def _on_capture_status(self, status: Any) -> None:
        # May be called from the capture's own threads: post_message is thread-safe.
        self.post_message(StatusChanged(status))

    def on_status_changed(self, message: StatusChanged) -> None:
        component = getattr(message.status, "component", None)
        if component in ("capture", "stats"):
            self._set_health(**{component: message.status})

    # -- health ----------------------------------------------------------------------------------

    def _set_health(self, **changes: Any) -> None:
        old = self.health
        self.health = old.replace(**changes)
        for problem in self.health.new_problems(old):
            self.notify(problem.message, title=problem.title, severity=problem.severity, timeout=8)
        self.health_signal.publish(self.health)

    def _tick(self) -> None:
        # No I/O here: refresh running times from the clock and arm a summary read if one is due.
        self.health_signal.publish(self.health)
        if self._summary_due and not self._summary_running and self.db is not None:
            self._summary_due = False
            self._summary_running = True
            self._read_summary()

    @work(thread=True, exclusive=True, group="summary", exit_on_error=False)
    def _read_summary(self) -> feed.LiveSummary:
        assert self.db is not None
        with self.db.session() as s:
            return feed.live_summary(s, self.settings.broadcaster, now=self.clock())

    # -- session actions -------------------------------------------------------------------------

    def action_start_session(self) -> None:
        if self._need_db():
            self._start_session()

    def action_end_session(self) -> None:
        if not self._need_db():
            return

        def confirmed(yes: bool | None) -> None:
            if yes:
                self._end_session()

        self.push_screen(
            ConfirmScreen(f"End the LIVE session for {self.settings.broadcaster}?", yes="End session"), confirmed
        )

    @work(thread=True, exclusive=True, group="session-action", exit_on_error=False)
    def _start_session(self) -> str:
        assert self.db is not None
        with self.db.session() as s:
            live = sessions.start(s, self.settings.broadcaster, at=self.clock())
            return f"Session {live.id} started."

    @work(thread=True, exclusive=True, group="session-action", exit_on_error=False)
    def _end_session(self) -> str:
        assert self.db is not None
        with self.db.session() as s:
            ended = sessions.end(s, self.settings.broadcaster, at=self.clock())
            return f"Session {ended.id} ended."

    def _need_db(self) -> bool:
        if self.db is None:
            self.notify("Not connected to the database yet.", severity="warning")
            return False
        return True

    # -- navigation -------------------------------------------------------------------------------

    def open_person(self, person_id: uuid.UUID) -> None:
        cls = _load("mhc_tui.screens.person", "PersonScreen")
        if cls is None:
            self.notify("The person screen is not available in this build.", severity="warning")
            return
        self.push_screen(cls(person_id))  # type: ignore[call-arg]

    def open_session(self, session_id: int) -> None:
        cls = _load("mhc_tui.screens.session_detail", "SessionDetailScreen") or _load(
            "mhc_tui.screens.sessions", "SessionDetailScreen"
        )
        if cls is None:
            self.notify("The session screen is not available in this build.", severity="warning")
            return
        self.push_screen(cls(session_id))  # type: ignore[call-arg]

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def action_back(self) -> None:
        if len(self.screen_stack) > 1:
            self.pop_screen()

    # -- the one place worker results and failures land -------------------------------------------

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        worker = event.worker
        if event.state == WorkerState.SUCCESS:
            if worker.group == "session-action" and isinstance(worker.result, str):
                self.notify(worker.result)
                self._summary_due = True
            elif worker.group == "summary":
                self._summary_running = False
                if isinstance(worker.result, feed.LiveSummary):
                    self._set_health(summary=worker.result)
        elif event.state == WorkerState.ERROR:
            error = worker.error
            if worker.group == "summary":
                self._summary_running = False
            if error is None:
                return
            message, severity = _describe_failure(error)
            if severity == "error" and not isinstance(error, DatabaseUnavailable | OperationalError | DBAPIError):
                log.error("worker %s failed", worker.name, exc_info=error)
            else:
                log.warning("worker %s: %s", worker.name, message)
            if worker.group in ("notify", "capture"):
                message = f"{'Notifications' if worker.group == 'notify' else 'Capture'} stopped: {message}"
            self.notify(message, severity=severity, timeout=8)  # type: ignore[arg-type]
        elif event.state == WorkerState.CANCELLED and worker.group == "summary":
            self._summary_running = False

    async def action_quit(self) -> None:
        if self.capture is not None:
            self.capture.stop()
        self.exit(0)

    def on_unmount(self) -> None:
        if self.capture is not None:
            self.capture.stop()
        if self.db is not None and self.db is not self._given_db:
            self.db.dispose()


def run_console(settings: Settings, *, verbose: bool) -> int:
    """Run the console until the operator quits; returns the process exit code."""
    log.info("console starting for %s (verbose=%s)", settings.broadcaster, verbose)
    app = MHCApp(settings)
    result = app.run()
    if app.return_code not in (None, 0):
        return app.return_code
    return result if isinstance(result, int) else 0
