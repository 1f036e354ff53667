"""The write of each batch on the lock connection: retried until it commits, and said when it cannot.

While a batch is retried the reader is not asked for more. A failure of the server or the connection is
retried as it is; a batch that keeps failing for its own sake is journaled without projections at last,
so that no batch stops capture. A lost lock connection is taken again only at the same cursor.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from sqlalchemy.exc import InterfaceError, InternalError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session

from mhc_core.capture import listener
from mhc_core.capture.lock import CaptureLock, LockLost
from mhc_core.capture.lock_keeper import LockKeeper
from mhc_core.capture.projection import JournalEntry
from mhc_core.capture.runtime import CaptureRuntime, Outcome
from mhc_core.clients.events import EventBatch
from mhc_core.config import Settings
from mhc_core.db.models import Role
from mhc_core.formats import connection_reason
from mhc_core.services import persons

log = logging.getLogger(__name__)

# Errors worth retrying as they are: the server or the connection, not the data.
TRANSIENT_DB_ERRORS = (OperationalError, InterfaceError, InternalError)


class BatchWriter:
    def __init__(
        self, settings: Settings, runtime: CaptureRuntime, keeper: LockKeeper,
        on_event: Callable[[list[dict[str, Any]]], None] | None,
    ) -> None:
        self.broadcaster = settings.broadcaster
        self.merge_minutes = settings.session_merge_minutes
        self.runtime = runtime
        self.keeper = keeper
        self.lock: CaptureLock = keeper.lock
        self.on_event = on_event

    async def prepare(self) -> str | None:
        """Where capture left off (the saved cursor); raises SQLAlchemyError or LockLost."""
        return await self.runtime.in_worker(self._prepare)

    async def commit(self, batch: EventBatch, entries: list[JournalEntry], cursor_before: str | None) -> Outcome:
        """Write one batch, retrying until it commits: "ok", or how holding capture ended meanwhile."""
        runtime = self.runtime
        if not entries and batch.cursor == cursor_before:
            try:
                await runtime.in_worker(self.lock.ping)  # an idle feed still notices a lost lock
                return "ok"
            except LockLost as exc:
                return await self._recover(cursor_before, str(exc), 0) or "ok"
        attempt = 0
        failures = 0
        project = True
        while True:
            try:
                result = await runtime.in_worker(self._write, entries, batch.cursor, project)
            except LockLost as exc:
                attempt += 1
                outcome = await self._recover(cursor_before, str(exc), attempt)
                if outcome is not None:
                    return outcome
                continue
            except SQLAlchemyError as exc:
                attempt += 1
                if not isinstance(exc, TRANSIENT_DB_ERRORS):
                    failures += 1
                    log.error("capture: writing a batch failed: %s", connection_reason(exc), exc_info=True)
                    if project and failures >= runtime.tuning.project_attempts:
                        # A batch that cannot be projected must not stop capture: journal it raw.
                        log.error("capture: journaling this batch without projections after %d failures", failures)
                        project = False
                if not await runtime.retry_later(attempt, f"database error: {connection_reason(exc)}"):
                    return "stopped"
                continue
            break
        if attempt:
            log.warning("capture: batch committed after %d failed attempt(s)", attempt)
            runtime.board.report("capture", "connected", "connected")
        self._count(result)
        return "ok"

    async def _recover(self, cursor_before: str | None, reason: str, attempt: int) -> Outcome | None:
        """After losing the lock connection: None when we hold the lock again at the same cursor."""
        if await self.keeper.taken_by() is not None:
            return "lost"  # replaced by an observer (we were frozen or too slow): nothing to retry
        runtime = self.runtime
        while True:
            attempt += 1
            if not await runtime.retry_later(attempt, f"database unreachable: {reason}"):
                return "stopped"
            try:
                if not await runtime.in_worker(self.lock.try_acquire):
                    return "lost"
                if await self.prepare() != cursor_before:
                    return "cursor_moved"
            except (SQLAlchemyError, LockLost) as exc:
                await runtime.in_worker(self.lock.lost)
                reason = connection_reason(exc)
                continue
            return None

    def _prepare(self) -> str | None:
        """On the lock connection: the broadcaster is a MODEL, and where capture left off."""
        with Session(bind=self.lock.connection(), expire_on_commit=False) as session, session.begin():
            persons.find_or_create(session, self.broadcaster, role=Role.MODEL.value)
            return listener.read_cursor(session, self.broadcaster)

    def _write(self, entries: list[JournalEntry], cursor: str | None, project: bool) -> listener.BatchResult:
        conn = self.lock.connection()
        try:
            with Session(bind=conn, expire_on_commit=False) as session, session.begin():
                return listener.write_batch(session, self.broadcaster, entries, cursor,
                                            merge_minutes=self.merge_minutes, project=project)
        except SQLAlchemyError as exc:
            if conn.invalidated or getattr(exc, "connection_invalidated", False):
                self.lock.lost()
                raise LockLost(connection_reason(exc)) from None
            self.lock.ping()  # LockLost if the connection died with the statement
            raise

    def _count(self, result: listener.BatchResult) -> None:
        self.runtime.board.count(result.journaled, result.errors, result.last_event_at)
        if self.on_event is not None and result.projected:  # projected is built when first read
            try:
                self.on_event(result.projected)
            except Exception:
                log.exception("capture: the on_event callback failed")
