"""CaptureService: lock -> listener + stats poller, or observe whoever holds capture and take over later.

The holder sends a heartbeat every quarter of MHC_CAPTURE_LEASE_SECONDS; an observer ends a holder
silent for longer (frozen, suspended) and takes over from the saved cursor.

Threads: everything async runs on the caller's loop (callbacks too). Every database write of capture
runs on one worker thread, on the lock connection, so writes are serialised and die with the lock.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import re
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any, Literal, TypeVar

from sqlalchemy.exc import InterfaceError, InternalError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session

from mhc_core.capture import listener
from mhc_core.capture.lock import CaptureLock, LockLost, StaleHolder
from mhc_core.capture.notify import CHANNEL_STATS, notify
from mhc_core.capture.poller import StatsPoller
from mhc_core.capture.projection import JournalEntry, journal_entry
from mhc_core.capture.status import Component, ComponentStatus, State, retry_message
from mhc_core.clients.errors import AuthError
from mhc_core.clients.events import EventBatch, EventsClient, EventsStatus
from mhc_core.clients.stats import StatsReading
from mhc_core.config import Settings
from mhc_core.db.engine import Database
from mhc_core.db.models import Role, SnapshotSource
from mhc_core.redact import mask
from mhc_core.services import persons, snapshots

log = logging.getLogger(__name__)

T = TypeVar("T")
Outcome = Literal["ok", "stopped", "lost", "cursor_moved", "auth_failed"]
# Errors worth retrying as they are: the server or the connection, not the data.
TRANSIENT_DB_ERRORS = (OperationalError, InterfaceError, InternalError)


def _reason(exc: BaseException) -> str:
    original = getattr(exc, "orig", None) or exc
    lines = [ln.strip() for ln in str(original).splitlines() if ln.strip()]
    text = lines[0] if lines else type(original).__name__
    return mask(text.rsplit("failed: ", 1)[-1])  # psycopg: '... port 5432 failed: Connection refused'


class CaptureService:
    def __init__(
        self,
        settings: Settings,
        db: Database,
        *,
        on_status: Callable[[ComponentStatus], None] | None = None,
        on_event: Callable[[list[dict]], None] | None = None,
        takeover_seconds: float = 3.0,
        db_backoff_base: float = 1.0,
        db_backoff_cap: float = 30.0,
        events_backoff_base: float = 1.0,
        events_backoff_cap: float = 60.0,
        project_attempts: int = 3,
        idle_check_seconds: float = 5.0,
        prefetch: bool = True,
        pace_seconds: float = 0.04,
        pace_below: int = 20,
    ) -> None:
        self.settings = settings
        self.db = db
        self.on_status = on_status
        self.on_event = on_event
        self.takeover_seconds = takeover_seconds
        self.db_backoff_base = db_backoff_base
        self.db_backoff_cap = db_backoff_cap
        self.events_backoff_base = events_backoff_base
        self.events_backoff_cap = events_backoff_cap
        self.project_attempts = project_attempts
        self.idle_check_seconds = idle_check_seconds
        self.prefetch = prefetch
        # The Events API allows 2000 requests a minute. A live room answers each poll at once with a
        # few events; without pacing, polls burst past the limit and the client then stalls for most
        # of a minute. After a small batch, the next poll starts no sooner than `pace_seconds` after
        # the last one (<= 1500/min); full batches (a backlog) are fetched at full speed.
        self.pace_seconds = pace_seconds
        self.pace_below = pace_below
        self.broadcaster = settings.broadcaster
        self.statuses: dict[str, ComponentStatus] = {}
        self.events_captured = 0
        self.journal_errors = 0
        self.last_event_at: datetime | None = None
        self._events_on = settings.events_token is not None
        self._stats_on = settings.stats_token is not None
        self._stop = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._loop_thread: int | None = None
        self._executor: ThreadPoolExecutor | None = None
        self._lock: CaptureLock | None = None

    # -- public ----------------------------------------------------------------------------

    async def run(self) -> None:
        """Capture until stop(). Reports failures in `statuses`; never raises for foreseeable ones."""
        self._loop = asyncio.get_running_loop()
        self._loop_thread = threading.get_ident()
        if not self._events_on:
            self._report("capture", "not_configured", "not configured (set MHC_EVENTS_TOKEN)")
        if not self._stats_on:
            self._report("stats", "not_configured", "not configured (set MHC_STATS_TOKEN)")
        if not (self._events_on or self._stats_on):
            await self._stop.wait()
            return
        for component in self._components():
            self._report(component, "starting", "starting")
        self._executor = ThreadPoolExecutor(1, thread_name_prefix="mhc-capture")
        lock = self._lock = CaptureLock(self.db, self.broadcaster)
        try:
            await self._supervise(lock)
        finally:
            try:
                await self._in_worker(lock.dispose)
            finally:
                self._executor.shutdown(wait=False)
                for component in self._components():
                    if self.statuses[component].state != "auth_failed":
                        self._report(component, "stopped", "stopped")

    def stop(self) -> None:
        """Finish the batch in hand, save the cursor, release the lock. Safe from any thread."""
        loop = self._loop
        if loop is None or threading.get_ident() == self._loop_thread or loop.is_closed():
            self._stop.set()
        else:
            loop.call_soon_threadsafe(self._stop.set)

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    # -- supervision -------------------------------------------------------------------------

    def _components(self) -> list[Component]:
        out: list[Component] = []
        if self._events_on:
            out.append("capture")
        if self._stats_on:
            out.append("stats")
        return out

    async def _supervise(self, lock: CaptureLock) -> None:
        attempt = 0
        stale: StaleHolder | None = None
        while not self.stopping:
            try:
                got = await self._in_worker(lock.try_acquire)
            except SQLAlchemyError as exc:
                attempt += 1
                await self._retry_later(attempt, f"database unreachable: {_reason(exc)}", *self._components())
                continue
            attempt = 0
            if not got:
                stale = await self._observe(lock)
                continue
            if stale is not None:
                self._say_took_over(stale)
                stale = None
            outcome = await self._hold(lock)
            if outcome == "stopped":
                return
            await self._say_lost(lock)

    async def _observe(self, lock: CaptureLock) -> StaleHolder | None:
        """Show who holds capture; a holder silent for longer than the lease is ended and returned at once."""
        note = ""
        try:
            stale = await self._in_worker(lock.end_stale_holder, self.settings.capture_lease_seconds)
            if stale is not None:
                return stale
        except SQLAlchemyError as exc:
            note = f" (cannot check its heartbeat: {_reason(exc)})"
        try:
            holder = await self._in_worker(lock.holder)
        except SQLAlchemyError as exc:
            log.warning("capture: cannot see who holds capture: %s", _reason(exc))
            holder = None
        message = (f"held by {holder}" if holder else "held by another process") + note
        for component in self._components():
            self._report(component, "held_elsewhere", message, retry_in=self.takeover_seconds, holder=holder)
        await self._sleep(self.takeover_seconds)
        return None

    def _say_took_over(self, stale: StaleHolder) -> None:
        message = f"took over from {stale.holder} (no heartbeat for {stale.silent_for:.0f} s)"
        log.info("capture: %s", message)
        for component in self._components():
            self._report(component, "starting", message)

    async def _say_lost(self, lock: CaptureLock) -> None:
        """Said once per loss: to whom capture went (a process resumed after a freeze was replaced)."""
        holder = await self._taken_by(lock)
        if holder is None:
            log.warning("capture: lost the capture lock; trying to take it again")
            return
        message = f"lost the capture lock to {holder}; observing"
        log.info("capture: %s", message)
        for component in self._components():
            self._report(component, "held_elsewhere", message, holder=holder)

    async def _taken_by(self, lock: CaptureLock) -> str | None:
        try:
            return await self._in_worker(lock.taken_by)
        except SQLAlchemyError as exc:
            log.debug("capture: cannot see who holds capture: %s", _reason(exc))  # the retry says why
            return None

    async def _heartbeat(self, lock: CaptureLock) -> None:
        """While holding: prove to observers, every quarter of the lease, that this process is alive."""
        while await self._sleep(self.settings.capture_lease_seconds / 4):
            try:
                await self._in_worker(lock.beat)
            except LockLost as exc:
                # Not reported here: the next write or ping meets the loss and says what happened.
                log.debug("capture: heartbeat not sent: %s", exc)

    async def _hold(self, lock: CaptureLock) -> Outcome:
        """We hold capture: run the listener and the poller until stop or until the lock is lost."""
        log.info("capture: holding capture of %s", self.broadcaster)
        heartbeat = asyncio.ensure_future(self._heartbeat(lock))
        poller: StatsPoller | None = None
        if self._stats_on:
            poller = StatsPoller(self.settings, self.db, self._report_status, store=self._store_reading)
            poller.start()
        try:
            if self._events_on:
                outcome = await self._capture(lock)
                if outcome == "auth_failed":
                    outcome = await self._hold_idle(lock)
            else:
                outcome = await self._hold_idle(lock)
            return outcome
        finally:
            heartbeat.cancel()
            if poller is not None:
                await poller.stop()
            with contextlib.suppress(asyncio.CancelledError):
                await heartbeat

    async def _hold_idle(self, lock: CaptureLock) -> Outcome:
        """Keep the lock (for the poller) and notice if it is lost."""
        while await self._sleep(self.idle_check_seconds):
            try:
                await self._in_worker(lock.ping)
            except LockLost:
                return "lost"
        return "stopped"

    # -- the listener ----------------------------------------------------------------------------

    async def _capture(self, lock: CaptureLock) -> Outcome:
        try:
            cursor = await self._in_worker(self._prepare, lock)
        except (SQLAlchemyError, LockLost) as exc:
            log.warning("capture: cannot read the saved cursor: %s", _reason(exc))
            await self._in_worker(lock.lost)
            return "lost"
        while True:
            outcome, cursor = await self._stream(lock, cursor)
            if outcome != "cursor_moved":
                return outcome

    def _prepare(self, lock: CaptureLock) -> str | None:
        """On the lock connection: the broadcaster is a MODEL, and where capture left off."""
        with Session(bind=lock.connection(), expire_on_commit=False) as session, session.begin():
            persons.find_or_create(session, self.broadcaster, role=Role.MODEL.value)
            return listener.read_cursor(session, self.broadcaster)

    async def _stream(self, lock: CaptureLock, cursor: str | None) -> tuple[Outcome, str | None]:
        assert self.settings.events_token is not None
        client = EventsClient(
            self.settings.events_base_url, self.broadcaster, self.settings.events_token.get_secret_value(),
            self.settings.events_timeout, backoff_base=self.events_backoff_base,
            backoff_cap=self.events_backoff_cap, on_status=self._on_client_status,
        )
        log.info("capture: listening to %s from cursor %s", self.broadcaster, cursor or "(start)")
        batches = client.batches(cursor)
        pending: asyncio.Future | None = None
        try:
            last_poll = 0.0
            delay = 0.0

            async def poll() -> tuple[EventBatch, list[JournalEntry]]:
                nonlocal last_poll
                wait = last_poll + delay - time.monotonic()
                if wait > 0:
                    await asyncio.sleep(wait)
                last_poll = time.monotonic()
                batch = await anext(batches)
                # Turned into journal entries here, so with prefetch this overlaps the previous write.
                return batch, self._entries(batch)

            while True:
                if pending is None:
                    pending = asyncio.ensure_future(poll())
                try:
                    polled = await self._await_batch(pending)
                except AuthError as exc:
                    self._report("capture", "auth_failed", _auth_message(str(exc)))
                    return "auth_failed", cursor
                finally:
                    pending = None
                if polled is None:
                    return "stopped", cursor
                batch, entries = polled
                delay = self.pace_seconds if 0 < len(batch.events) < self.pace_below else 0.0
                if self.prefetch and not self.stopping:
                    # Overlap the next poll with this write. At most one batch is ever fetched ahead:
                    # while this one is retried, nothing more is asked for, and nothing is committed
                    # out of order (the cursor only moves with the batch it belongs to).
                    pending = asyncio.ensure_future(poll())
                outcome = await self._commit(lock, batch, entries, cursor)
                if outcome == "ok":
                    cursor = batch.cursor
                    continue
                if outcome == "cursor_moved":
                    cursor = await self._in_worker(self._prepare, lock)
                    log.warning("capture: the saved cursor moved while we were away; resuming from it")
                return outcome, cursor
        finally:
            if pending is not None:
                await self._abandon(pending)
            await batches.aclose()
            await client.aclose()

    async def _await_batch(self, fetch: asyncio.Future) -> tuple[EventBatch, list[JournalEntry]] | None:
        """The fetched batch, or None when stop() comes first (a poll in flight is abandoned, never a batch)."""
        if not fetch.done():
            stop = asyncio.ensure_future(self._stop.wait())
            try:
                await asyncio.wait({fetch, stop}, return_when=asyncio.FIRST_COMPLETED)
            finally:
                stop.cancel()
        if fetch.done():
            return fetch.result()
        await self._abandon(fetch)
        return None

    @staticmethod
    async def _abandon(fetch: asyncio.Future) -> None:
        if fetch.done():
            if not fetch.cancelled() and fetch.exception() is not None:
                log.debug("capture: an abandoned poll had failed: %s", fetch.exception())
            return
        fetch.cancel()
        try:
            await fetch
        except asyncio.CancelledError:
            log.debug("capture: poll abandoned")

    def _entries(self, batch: EventBatch) -> list[JournalEntry]:
        return [journal_entry(e, self.broadcaster, batch.received_at) for e in batch.events]

    async def _commit(
        self, lock: CaptureLock, batch: EventBatch, entries: list[JournalEntry], cursor_before: str | None
    ) -> Outcome:
        """Write one batch, retrying until it commits; the client is not asked for more meanwhile."""
        if not entries and batch.cursor == cursor_before:
            try:
                await self._in_worker(lock.ping)  # an idle feed still notices a lost lock
                return "ok"
            except LockLost as exc:
                return await self._recover(lock, cursor_before, str(exc), 0) or "ok"
        attempt = 0
        failures = 0
        project = True
        while True:
            try:
                result = await self._in_worker(self._write, lock, entries, batch.cursor, project)
            except LockLost as exc:
                attempt += 1
                outcome = await self._recover(lock, cursor_before, str(exc), attempt)
                if outcome is not None:
                    return outcome
                continue
            except SQLAlchemyError as exc:
                attempt += 1
                if not isinstance(exc, TRANSIENT_DB_ERRORS):
                    failures += 1
                    log.error("capture: writing a batch failed: %s", _reason(exc), exc_info=True)
                    if project and failures >= self.project_attempts:
                        # A batch that cannot be projected must not stop capture: journal it raw.
                        log.error("capture: journaling this batch without projections after %d failures", failures)
                        project = False
                if not await self._retry_later(attempt, f"database error: {_reason(exc)}"):
                    return "stopped"
                continue
            break
        if attempt:
            log.warning("capture: batch committed after %d failed attempt(s)", attempt)
            self._report("capture", "connected", "connected")
        self._count(result)
        return "ok"

    async def _recover(self, lock: CaptureLock, cursor_before: str | None, reason: str, attempt: int) -> Outcome | None:
        """After losing the lock connection: None when we hold the lock again at the same cursor."""
        if await self._taken_by(lock) is not None:
            return "lost"  # replaced by an observer (we were frozen or too slow): nothing to retry
        while True:
            attempt += 1
            if not await self._retry_later(attempt, f"database unreachable: {reason}"):
                return "stopped"
            try:
                got = await self._in_worker(lock.try_acquire)
                if not got:
                    return "lost"
                if await self._in_worker(self._prepare, lock) != cursor_before:
                    return "cursor_moved"
            except (SQLAlchemyError, LockLost) as exc:
                await self._in_worker(lock.lost)
                reason = _reason(exc)
                continue
            return None

    def _write(
        self, lock: CaptureLock, entries: list[JournalEntry], cursor: str | None, project: bool
    ) -> listener.BatchResult:
        conn = lock.connection()
        try:
            with Session(bind=conn, expire_on_commit=False) as session, session.begin():
                return listener.write_batch(
                    session, self.broadcaster, entries, cursor,
                    merge_minutes=self.settings.session_merge_minutes, project=project,
                )
        except SQLAlchemyError as exc:
            if conn.invalidated or getattr(exc, "connection_invalidated", False):
                lock.lost()
                raise LockLost(_reason(exc)) from None
            lock.ping()  # LockLost if the connection died with the statement
            raise

    def _count(self, result: listener.BatchResult) -> None:
        if result.journaled:
            self.events_captured += result.journaled
            self.journal_errors += result.errors
            self.last_event_at = max(filter(None, [self.last_event_at, result.last_event_at]))
            current = self.statuses.get("capture")
            if current is not None:
                self._report_status(replace(current, at=datetime.now(UTC)))
        if self.on_event is not None and result.projected:  # projected is built when first read
            try:
                self.on_event(result.projected)
            except Exception:
                log.exception("capture: the on_event callback failed")

    def _on_client_status(self, status: EventsStatus) -> None:
        if status.state == "connecting":
            self._report("capture", "starting", "connecting")
        elif status.state == "connected":
            self._report("capture", "connected", "connected")
        elif status.state == "retrying":
            delay = status.retry_in or 0.0
            self._report(
                "capture", "retrying", retry_message(delay, status.attempt, status.last_error or "no answer"),
                retry_in=delay,
            )
        elif status.state == "auth_failed":
            self._report("capture", "auth_failed", _auth_message(status.last_error or ""))

    # -- stats on the lock connection ------------------------------------------------------------

    async def _store_reading(self, reading: StatsReading) -> int:
        assert self._lock is not None
        return await self._in_worker(self._store_reading_sync, self._lock, reading)

    def _store_reading_sync(self, lock: CaptureLock, reading: StatsReading) -> int:
        conn = lock.connection()
        try:
            with Session(bind=conn, expire_on_commit=False) as session, session.begin():
                me = persons.find_or_create(session, self.broadcaster, role=Role.MODEL.value)
                snap = snapshots.append(session, me.id, SnapshotSource.CB_STATS.value, reading.raw,
                                        reading.metrics, captured_at=reading.fetched_at)
                notify(session, CHANNEL_STATS, {"broadcaster": self.broadcaster, "snapshot_id": snap.id})
                return snap.id
        except SQLAlchemyError:
            if conn.invalidated:
                lock.lost()
            raise

    # -- plumbing ----------------------------------------------------------------------------

    async def _in_worker(self, fn: Callable[..., T], *args: Any) -> T:
        assert self._executor is not None and self._loop is not None
        return await self._loop.run_in_executor(self._executor, fn, *args)

    async def _retry_later(self, attempt: int, reason: str, *components: str) -> bool:
        """Say "retrying in N s" for the database backoff of this attempt, then wait it out.

        False when stop() was called meanwhile."""
        delay = self._db_backoff(attempt)
        message = retry_message(delay, attempt, reason)
        log.warning("capture: %s", message)
        for component in components or ("capture",):
            self._report(component, "retrying", message, retry_in=delay)
        await self._in_worker(self.db.heal)  # an embedded server that died is started again
        return await self._sleep(delay)

    async def _sleep(self, seconds: float) -> bool:
        """Sleep unless stop() comes first; True when the full time passed."""
        try:
            await asyncio.wait_for(self._stop.wait(), timeout=max(0.0, seconds))
        except TimeoutError:
            return True
        return False

    def _db_backoff(self, attempt: int) -> float:
        ceiling = min(self.db_backoff_cap, self.db_backoff_base * 2 ** min(attempt - 1, 20))
        return ceiling / 2 + random.uniform(0, ceiling / 2)

    def _report(
        self, component: Component, state: State, message: str, *, retry_in: float | None = None,
        holder: str | None = None,
    ) -> None:
        self._report_status(ComponentStatus(component, state, mask(message), retry_in=retry_in, holder=holder))

    def _report_status(self, status: ComponentStatus) -> None:
        if status.component == "capture":
            status = replace(status, events_captured=self.events_captured, journal_errors=self.journal_errors,
                             last_event_at=self.last_event_at)
        previous = self.statuses.get(status.component)
        if previous is not None and status.same_state(previous) and (
            previous.events_captured, previous.journal_errors) == (status.events_captured, status.journal_errors):
            return
        self.statuses[status.component] = status
        if self.on_status is not None:
            try:
                self.on_status(status)
            except Exception:
                log.exception("capture: the on_status callback failed")


def _auth_message(text: str) -> str:
    match = re.search(r"HTTP (\d{3})", text)
    return f"token rejected (HTTP {match.group(1)})" if match else "token rejected"


__all__ = ["CaptureService", "ComponentStatus"]
