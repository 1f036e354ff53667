"""The Stats API poller: an APScheduler interval job that appends a `cb_stats` snapshot per reading.

Polls never overlap (max_instances=1, coalesce=True) and the first runs at start. A failure appends
nothing: it is logged and reported, and the next interval simply tries again.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy.exc import SQLAlchemyError

from mhc_core.capture.lock import LockLost
from mhc_core.capture.status import ComponentStatus, State
from mhc_core.clients.errors import AuthError, ClientError, TransientError
from mhc_core.clients.stats import StatsClient, StatsReading
from mhc_core.config import Settings
from mhc_core.db.engine import Database
from mhc_core.db.models import Role, SnapshotSource
from mhc_core.db.notify import CHANNEL_STATS, notify
from mhc_core.formats import error_reason
from mhc_core.redact import mask
from mhc_core.services import persons, snapshots

log = logging.getLogger(__name__)

JOB_ID = "mhc-stats-poll"


def store_reading(db: Database, broadcaster: str, reading: StatsReading) -> int:
    """Append the snapshot and queue NOTIFY mhc_stats, in one transaction; returns the snapshot id."""
    with db.session() as session:
        me = persons.find_or_create(session, broadcaster, role=Role.MODEL.value, seen_at=reading.fetched_at)
        snap = snapshots.append(
            session, me.id, SnapshotSource.CB_STATS.value, reading.raw, reading.metrics,
            captured_at=reading.fetched_at,
        )
        notify(session, CHANNEL_STATS, {"broadcaster": broadcaster, "snapshot_id": snap.id})
        return snap.id


class StatsPoller:
    def __init__(
        self,
        settings: Settings,
        db: Database,
        report: Callable[[ComponentStatus], None],
        *,
        client: StatsClient | None = None,
        store: Callable[[StatsReading], Awaitable[int]] | None = None,
    ) -> None:
        assert settings.stats_token is not None
        self.settings = settings
        self.db = db
        self.report = report
        self.interval = settings.stats_poll_seconds
        self.client = client or StatsClient(
            settings.stats_base_url, settings.broadcaster, settings.stats_token.get_secret_value()
        )
        # Where a reading is written; by default its own transaction in a thread. The capture service
        # passes a writer on the lock connection, so a process that lost capture cannot add snapshots.
        self.store = store or self._store_in_thread
        self.scheduler: AsyncIOScheduler | None = None
        self.polls = 0
        self.snapshots = 0
        self._running: asyncio.Task | None = None

    def start(self) -> None:
        """Schedule the job on the running loop; the first poll runs right away."""
        self.scheduler = AsyncIOScheduler(timezone=UTC)
        self.scheduler.add_job(
            self.poll_once, "interval", seconds=self.interval, id=JOB_ID, next_run_time=datetime.now(UTC),
            max_instances=1, coalesce=True, misfire_grace_time=max(1, self.interval),
        )
        self.scheduler.start()
        self._status("starting", "starting")

    async def stop(self) -> None:
        if self.scheduler is not None:
            self.scheduler.shutdown(wait=False)
            self.scheduler = None
        running = self._running
        if running is not None and not running.done():
            running.cancel()  # an HTTP poll in flight; a snapshot write already in its thread completes
            try:
                await running
            except asyncio.CancelledError:
                log.debug("stats poll cancelled by stop")
        await self.client.aclose()

    async def _store_in_thread(self, reading: StatsReading) -> int:
        return await asyncio.to_thread(store_reading, self.db, self.settings.broadcaster, reading)

    def _status(self, state: State, message: str, retry_in: float | None = None) -> None:
        self.report(ComponentStatus("stats", state, mask(message), retry_in=retry_in, events_captured=self.snapshots))

    async def poll_once(self) -> bool:
        """One poll: True when a snapshot was appended."""
        self._running = asyncio.current_task()
        self.polls += 1
        try:
            reading = await self.client.fetch()
        except AuthError as exc:
            log.error("stats: %s; polling stopped", exc)
            self._status("auth_failed", f"token rejected (HTTP {exc.status})" if exc.status else str(exc))
            if self.scheduler is not None:
                self.scheduler.remove_all_jobs()  # a rejected token will not get better by asking again
            return False
        except TransientError as exc:
            log.warning("stats: %s", exc)
            self._status("retrying", f"retrying in {self.interval} s: {exc}", retry_in=float(self.interval))
            return False
        except ClientError as exc:
            log.warning("stats: %s", exc)
            self._status("error", f"{exc} (next try in {self.interval} s)", retry_in=float(self.interval))
            return False
        try:
            await self.store(reading)
        except (SQLAlchemyError, LockLost) as exc:
            reason = error_reason(exc)
            log.error("stats: reading not stored: %s", reason)
            self._status("error", f"reading not stored: {reason}", retry_in=float(self.interval))
            return False
        self.snapshots += 1
        self._status("connected", "connected")  # the time of the reading is `at`
        return True
