"""The stats poller's readings, stored on the lock connection: only the process holding capture stores
them, and each is announced (NOTIFY) with its commit."""

from __future__ import annotations

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from mhc_core.capture.lock import CaptureLock
from mhc_core.capture.runtime import CaptureRuntime
from mhc_core.clients.stats import StatsReading
from mhc_core.db.models import Role, SnapshotSource
from mhc_core.db.notify import CHANNEL_STATS, notify
from mhc_core.services import persons, snapshots


class StatsStore:
    def __init__(self, broadcaster: str, runtime: CaptureRuntime, lock: CaptureLock) -> None:
        self.broadcaster = broadcaster
        self.runtime = runtime
        self.lock = lock

    async def store(self, reading: StatsReading) -> int:
        """The new snapshot's id; raises SQLAlchemyError or LockLost."""
        return await self.runtime.in_worker(self._store, reading)

    def _store(self, reading: StatsReading) -> int:
        conn = self.lock.connection()
        try:
            with Session(bind=conn, expire_on_commit=False) as session, session.begin():
                me = persons.find_or_create(session, self.broadcaster, role=Role.MODEL.value)
                snap = snapshots.append(session, me.id, SnapshotSource.CB_STATS.value, reading.raw,
                                        reading.metrics, captured_at=reading.fetched_at)
                notify(session, CHANNEL_STATS, {"broadcaster": self.broadcaster, "snapshot_id": snap.id})
                return snap.id
        except SQLAlchemyError:
            if conn.invalidated:
                self.lock.lost()
            raise
