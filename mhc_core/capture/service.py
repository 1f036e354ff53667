"""CaptureService: capture the room while this process holds capture, or observe whoever does and take over.

Composed of parts with one job each: the lock keeper (take, hold with a heartbeat, lose, take over), the
stream reader (the Events API with prefetch and pacing), the batch writer (each batch committed with its
retries), the stats store (the poller's readings) and the status board (each change told once). They
share the runtime: the caller's loop, the one database thread on the lock connection, the stop signal.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from mhc_core.capture.batch_writer import BatchWriter
from mhc_core.capture.lock import CaptureLock, LockLost
from mhc_core.capture.lock_keeper import LockKeeper
from mhc_core.capture.poller import StatsPoller
from mhc_core.capture.runtime import CaptureRuntime, Outcome
from mhc_core.capture.stats_store import StatsStore
from mhc_core.capture.status import Component, ComponentStatus
from mhc_core.capture.status_board import StatusBoard
from mhc_core.capture.stream_reader import StreamReader, auth_message
from mhc_core.capture.tuning import CaptureTuning
from mhc_core.clients.errors import AuthError
from mhc_core.config import Settings
from mhc_core.db.engine import Database
from mhc_core.formats import connection_reason

log = logging.getLogger(__name__)


class CaptureService:
    def __init__(
        self,
        settings: Settings,
        db: Database,
        *,
        on_status: Callable[[ComponentStatus], None] | None = None,
        on_event: Callable[[list[dict[str, Any]]], None] | None = None,
        on_alerts: Callable[[list[dict[str, Any]]], None] | None = None,
        tuning: CaptureTuning = CaptureTuning(),  # noqa: B008 - frozen, so one shared default is safe
    ) -> None:
        self.settings = settings
        self.db = db
        self.broadcaster = settings.broadcaster
        self.on_event = on_event
        self.on_alerts = on_alerts
        self._radar: Any = None  # the radar while this process holds capture (mhc_core.radar.runner)
        self._board = StatusBoard(on_status)
        self._runtime = CaptureRuntime(db, tuning, self._board)
        self._events_on = settings.events_token is not None
        self._stats_on = settings.stats_token is not None

    # -- public ----------------------------------------------------------------------------

    @property
    def statuses(self) -> dict[str, ComponentStatus]:
        """The latest status of each component."""
        return self._board.statuses

    @property
    def events_captured(self) -> int:
        return self._board.events_captured

    @property
    def journal_errors(self) -> int:
        return self._board.journal_errors

    @property
    def last_event_at(self) -> datetime | None:
        return self._board.last_event_at

    async def run(self) -> None:
        """Capture until stop(). Reports failures in `statuses`; never raises for foreseeable ones."""
        runtime, board = self._runtime, self._board
        runtime.start()
        if not self._events_on:
            board.report("capture", "not_configured", "not configured (set MHC_EVENTS_TOKEN)")
        if not self._stats_on:
            board.report("stats", "not_configured", "not configured (set MHC_STATS_TOKEN)")
        components = self._components()
        if not components:
            await runtime.stopped()
            runtime.shutdown()
            return
        for component in components:
            board.report(component, "starting", "starting")
        lock = CaptureLock(self.db, self.broadcaster)
        keeper = LockKeeper(runtime, lock, components, self.settings.capture_lease_seconds)
        writer = BatchWriter(self.settings, runtime, keeper, self._committed)
        stats = StatsStore(self.broadcaster, runtime, lock)
        try:
            await keeper.run(lambda: self._hold(keeper, writer, stats))
        finally:
            try:
                await runtime.in_worker(lock.dispose)
            finally:
                runtime.shutdown()
                board.stopped(components)

    def stop(self) -> None:
        """Finish the batch in hand, save the cursor, release the lock. Safe from any thread."""
        self._runtime.stop()

    @property
    def stopping(self) -> bool:
        return self._runtime.stopping

    # -- holding capture -------------------------------------------------------------------------

    def _components(self) -> list[Component]:
        out: list[Component] = []
        if self._events_on:
            out.append("capture")
        if self._stats_on:
            out.append("stats")
        return out

    def _committed(self, events: list[dict[str, Any]]) -> None:
        """A batch was committed: the radar looks at it, then the caller's callback."""
        if self._radar is not None:
            try:
                self._radar.saw(events)
            except Exception:
                log.exception("capture: the radar failed to take a batch")
        if self.on_event is not None:
            self.on_event(events)

    async def _hold(self, keeper: LockKeeper, writer: BatchWriter, stats: StatsStore) -> Outcome:
        """We hold capture: run the listener, the poller and the radar until stop or until the lock is lost."""
        log.info("capture: holding capture of %s", self.broadcaster)
        from mhc_core.radar.runner import Radar  # the radar only in the process that captures

        radar = Radar(self.settings, self.db, report=self._board.report_status, on_alerts=self.on_alerts)
        radar_task = asyncio.get_running_loop().create_task(radar.run())
        self._radar = radar
        poller: StatsPoller | None = None
        if self._stats_on:
            poller = StatsPoller(self.settings, self.db, self._board.report_status, store=stats.store)
            poller.start()
        try:
            if self._events_on:
                outcome = await self._capture(keeper, writer)
                if outcome == "auth_failed":
                    outcome = await keeper.hold_idle()
            else:
                outcome = await keeper.hold_idle()
            return outcome
        finally:
            self._radar = None
            radar.stop()
            try:
                if poller is not None:
                    await poller.stop()
            finally:
                await radar_task

    async def _capture(self, keeper: LockKeeper, writer: BatchWriter) -> Outcome:
        try:
            cursor = await writer.prepare()
        except (SQLAlchemyError, LockLost) as exc:
            log.warning("capture: cannot read the saved cursor: %s", connection_reason(exc))
            await self._runtime.in_worker(keeper.lock.lost)
            return "lost"
        while True:
            outcome, cursor = await self._stream(writer, cursor)
            if outcome != "cursor_moved":
                return outcome

    async def _stream(self, writer: BatchWriter, cursor: str | None) -> tuple[Outcome, str | None]:
        """Read and write batch after batch from `cursor`: how it ended, and the cursor then."""
        log.info("capture: listening to %s from cursor %s", self.broadcaster, cursor or "(start)")
        async with StreamReader(self.settings, self._runtime, cursor) as reader:
            while True:
                try:
                    polled = await reader.next()
                except AuthError as exc:
                    self._board.report("capture", "auth_failed", auth_message(str(exc)))
                    return "auth_failed", cursor
                if polled is None:
                    return "stopped", cursor
                outcome = await writer.commit(polled.batch, polled.entries, cursor)
                if outcome == "ok":
                    cursor = polled.batch.cursor
                    continue
                if outcome == "cursor_moved":
                    cursor = await writer.prepare()
                    log.warning("capture: the saved cursor moved while we were away; resuming from it")
                return outcome, cursor


__all__ = ["CaptureService", "CaptureTuning", "ComponentStatus"]
