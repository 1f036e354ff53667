"""The capture lock: one Postgres advisory lock per broadcaster, held on a dedicated connection.

Capture writes its batches on that same connection. If the connection is lost, so is the lock, and so
is every write still in flight: nothing can be committed by a process that no longer holds capture.
A new connection never silently inherits the role: the backend pid is checked before every write.
"""

from __future__ import annotations

import hashlib
import logging

from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import SQLAlchemyError

from mhc_core.db.engine import Database, make_engine

log = logging.getLogger(__name__)

_HOLDER_SQL = text(
    """
    SELECT a.application_name, a.pid, host(a.client_addr)
    FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
    WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
      AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
      AND l.classid::bigint = :hi AND l.objid::bigint = :lo
    LIMIT 1
    """
)


class LockLost(Exception):
    """The lock connection is gone (or was never there): this process must stop writing."""


def lock_key(broadcaster: str) -> int:
    """A stable signed 64-bit key for pg_advisory_lock(bigint), per broadcaster."""
    digest = hashlib.sha256(f"mhc:capture:{broadcaster}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def holder_name(application_name: str | None, pid: int, client_addr: str | None) -> str:
    """"host:pid" from our application_name ("mhc:HOST:PID"); otherwise what Postgres knows."""
    if application_name and application_name.startswith("mhc:") and application_name.count(":") >= 2:
        return application_name.removeprefix("mhc:")
    return f"{client_addr or 'local'}:backend {pid}"


class CaptureLock:
    """Not thread-safe: the capture service uses it from one worker thread only."""

    def __init__(self, db: Database, broadcaster: str) -> None:
        self.db = db
        self.broadcaster = broadcaster
        self.key = lock_key(broadcaster)
        self._engine: Engine | None = None
        self._conn: Connection | None = None
        self._pid: int | None = None

    @property
    def held(self) -> bool:
        return self._conn is not None

    def _hi_lo(self) -> dict[str, int]:
        unsigned = self.key & 0xFFFFFFFFFFFFFFFF
        return {"hi": unsigned >> 32, "lo": unsigned & 0xFFFFFFFF}

    def try_acquire(self) -> bool:
        """True when this process now holds capture. Raises SQLAlchemyError if the database is unreachable."""
        if self._conn is not None:
            return True
        if self._engine is None:
            # pool_size=1: this engine only ever serves the lock connection.
            self._engine = make_engine(self.db.engine.url, pool_size=1)
        conn = self._engine.connect()
        try:
            got = bool(conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": self.key}).scalar())
            conn.commit()
        except SQLAlchemyError:
            conn.invalidate()
            conn.close()
            raise
        if not got:
            conn.close()
            return False
        self._conn = conn
        self._pid = self._backend_pid(conn)
        log.info("capture lock for %s taken (backend %s)", self.broadcaster, self._pid)
        return True

    @staticmethod
    def _backend_pid(conn: Connection) -> int | None:
        if conn.invalidated or conn.closed:
            return None
        return conn.connection.dbapi_connection.info.backend_pid  # type: ignore[union-attr]

    def connection(self) -> Connection:
        """The lock connection, for a write; LockLost if it is gone or is no longer the locking backend."""
        conn = self._conn
        if conn is None:
            raise LockLost("not holding the capture lock")
        if conn.invalidated or conn.closed or self._backend_pid(conn) != self._pid:
            self.lost()
            raise LockLost("the capture lock connection was lost")
        return conn

    def ping(self) -> None:
        """A round trip on the lock connection; LockLost if it fails."""
        conn = self.connection()
        try:
            conn.execute(text("SELECT 1"))
            conn.commit()
        except SQLAlchemyError as exc:
            self.lost()
            raise LockLost(f"the capture lock connection was lost: {_reason(exc)}") from None

    def lost(self) -> None:
        """Forget a broken lock connection (its backend, and so the lock, is gone or going)."""
        conn, self._conn, self._pid = self._conn, None, None
        if conn is not None:
            try:
                conn.invalidate()
                conn.close()
            except SQLAlchemyError as exc:
                log.debug("closing a lost lock connection: %s", _reason(exc))

    def release(self) -> None:
        conn, self._conn, self._pid = self._conn, None, None
        if conn is not None:
            try:
                conn.rollback()
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": self.key})
                conn.commit()
                conn.close()
                log.info("capture lock for %s released", self.broadcaster)
            except SQLAlchemyError as exc:
                # Closing the connection releases the lock anyway.
                log.warning("releasing the capture lock: %s", _reason(exc))
                conn.invalidate()
                conn.close()

    def dispose(self) -> None:
        self.release()
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None

    def holder(self) -> str | None:
        """Who holds capture of this broadcaster right now ("host:pid"), via the shared engine."""
        with self.db.engine.connect() as conn:
            row = conn.execute(_HOLDER_SQL, self._hi_lo()).first()
        if row is None:
            return None
        return holder_name(row[0], row[1], row[2])


def _reason(exc: BaseException) -> str:
    original = getattr(exc, "orig", None) or exc
    lines = [ln.strip() for ln in str(original).splitlines() if ln.strip()]
    return lines[0] if lines else type(original).__name__
