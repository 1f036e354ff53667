"""The App: owns the long-lived workers (database connection, NOTIFY reader, capture) and the global keys.

The UI never waits on the network or the database: every call runs in a worker and comes back as a
message. Worker failures are surfaced in one place, `on_worker_state_changed`.
"""

from __future__ import annotations

import asyncio
import importlib
import logging
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy.exc import DBAPIError, OperationalError
from textual import work
from textual.app import App
from textual.binding import Binding
from textual.driver import Driver
from textual.notifications import SeverityLevel
from textual.screen import ModalScreen, Screen
from textual.signal import Signal
from textual.worker import Worker, WorkerCancelled, WorkerFailed, WorkerState

from mhc_core.config import Settings
from mhc_core.display import printable
from mhc_tui.commands import ConsoleCommands
from mhc_tui.messages import DatabaseFailed, DatabaseReady, DataChanged, NotifyConnection, StatusChanged
from mhc_tui.screens.confirm import ConfirmScreen
from mhc_tui.screens.dashboard import DashboardScreen
from mhc_tui.screens.help import HelpScreen
from mhc_tui.terminal import hangup_safe
from mhc_tui.theme import THEME
from mhc_tui.widgets import worker_errors
from mhc_tui.widgets.health import HealthLine, HealthState, initial_component

if TYPE_CHECKING:
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

    CSS_PATH = "app.tcss"
    TITLE = "MHC Control Panel"
    COMMANDS = App.COMMANDS | {ConsoleCommands}
    ENABLE_COMMAND_PALETTE = True
    MODES = {
        "dashboard": DashboardScreen,
        "lookup": _mode("mhc_tui.screens.lookup", "LookupScreen"),
        "sessions": _mode("mhc_tui.screens.sessions", "SessionsScreen"),
    }
    DEFAULT_MODE = "dashboard"
    BINDINGS = [
        Binding("d", "switch_mode('dashboard')", "Dashboard"),
        Binding("l", "switch_mode('lookup')", "Lookup"),
        Binding("s", "switch_mode('sessions')", "Sessions"),
        Binding("f5", "start_session", "Start", key_display="F5", tooltip="Start a stream session"),
        Binding("f6", "end_session", "End", key_display="F6", tooltip="End the LIVE stream session"),
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
        stop_on_signals: bool = False,
    ) -> None:
        super().__init__()
        self.settings = settings
        self._stop_on_signals = stop_on_signals
        self._remove_signal_handlers: Callable[[], None] | None = None
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
        self._last_error: tuple[str, float] | None = None
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
        if self._stop_on_signals:
            from mhc_core.stop_signals import stop_on_signals

            # SIGTERM, SIGHUP (the terminal window closed) and SIGINT quit as ctrl+q does.
            self._remove_signal_handlers = stop_on_signals(asyncio.get_running_loop(),
                                                           lambda: self.call_later(self.action_quit))

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
        self._tick()

    def on_database_failed(self, message: DatabaseFailed) -> None:
        self._set_health(database=("unreachable", message.reason))  # announced once, on the change
        self.set_timer(DB_RETRY_SECONDS, self._connect_database)

    # -- long-lived workers -----------------------------------------------------------------------

    @work(exclusive=True, group="notify", exit_on_error=False)
    async def _read_notifications(self) -> None:
        from mhc_core.capture.notify import listen

        assert self.db is not None
        # This worker runs on the App's event loop, so the hook may update the health state directly.
        async for note in listen(self.db.engine.url, on_disconnect=self._live_updates_lost):
            if note is None:
                if self.health.live_updates[0] != "connected":
                    self._set_health(live_updates=("connected", ""))
                self.post_message(NotifyConnection())
                self._broadcast(DataChanged("*", {}))
            else:
                self._broadcast(DataChanged(note.channel, note.payload))
                if note.channel in ("mhc_events", "mhc_sessions"):
                    self._summary_due = True

    def _live_updates_lost(self, reason: str) -> None:
        """The NOTIFY connection dropped (or cannot be made): say so until listen() reconnects."""
        if self.health.live_updates != ("reconnecting", reason):
            self._set_health(live_updates=("reconnecting", reason))  # announced once, on the change

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
    def _read_summary(self) -> Any:
        from mhc_core.services import feed

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
        from mhc_core.services import sessions

        assert self.db is not None
        with self.db.session() as s:
            live = sessions.start(s, self.settings.broadcaster, at=self.clock())
            return f"Session {live.id} started."

    @work(thread=True, exclusive=True, group="session-action", exit_on_error=False)
    def _end_session(self) -> str:
        from mhc_core.services import sessions

        assert self.db is not None
        with self.db.session() as s:
            ended = sessions.end(s, self.settings.broadcaster, at=self.clock())
            return f"Session {ended.id} ended."

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

    def open_session(self, session_id: int) -> None:
        from mhc_tui.screens.session_detail import SessionDetailScreen

        self.push_screen(SessionDetailScreen(session_id))

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
                if worker.result is not None:
                    changes: dict[str, Any] = {"summary": worker.result}
                    if self.health.database[0] == "unreachable" and self.db is not None:
                        changes["database"] = ("connected", self.db.where)
                    self._set_health(**changes)
        elif event.state == WorkerState.ERROR:
            if worker.group == "summary":
                self._summary_running = False
            elif worker.group == "notify":
                # report_worker_error below announces why; the health line shows it until a reconnect.
                self.health = self.health.replace(live_updates=("reconnecting", "reader stopped"))
                self.health_signal.publish(self.health)
                self.set_timer(DB_RETRY_SECONDS, self._read_notifications)  # keep the feed live
            self.report_worker_error(worker)
        elif event.state == WorkerState.CANCELLED and worker.group == "summary":
            self._summary_running = False

    def report_worker_error(self, worker: Worker[Any]) -> None:
        """Surface a failed worker as one notification (screens call this from their own handlers:
        Worker.StateChanged does not bubble). Foreseeable failures read as one plain line."""
        error = worker.error
        if error is None:
            return
        from mhc_core.db import DatabaseUnavailable

        message, severity = worker_errors.describe(error)
        if isinstance(error, DatabaseUnavailable | OperationalError | DBAPIError):
            # The database went away under a running console: the health line says so (announced once,
            # on the change) and the summary read probes every second until a read succeeds again.
            log.warning("worker %s: %s", worker.name, message)
            self._summary_due = True
            if self.db is not None:
                self._set_health(database=("unreachable", message))
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
        self.notify(message, severity=severity, timeout=8)  # type: ignore[arg-type]

    async def action_quit(self) -> None:
        # Let capture finish its batch, save the cursor and release the lock before the loop goes.
        if self.capture is not None:
            self.capture.stop()
            for worker in self.workers:
                if worker.group == "capture" and worker.is_running:
                    try:
                        await asyncio.wait_for(worker.wait(), CAPTURE_STOP_SECONDS)
                    except (TimeoutError, WorkerFailed, WorkerCancelled):
                        log.warning("capture did not stop cleanly within %.0f s", CAPTURE_STOP_SECONDS)
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
    app = MHCApp(settings, stop_on_signals=True)
    result = app.run()
    if app.return_code not in (None, 0):
        return app.return_code
    return result if isinstance(result, int) else 0
