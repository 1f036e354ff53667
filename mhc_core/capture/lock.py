"""The capture lock: one Postgres advisory lock per broadcaster, held on a dedicated connection.

Capture writes its batches on that same connection. If the connection is lost, so is the lock, and so
is every write still in flight: nothing can be committed by a process that no longer holds capture.
A new connection never silently inherits the role: the backend pid is checked before every write.

The lock alone cannot tell a frozen holder (SIGSTOP, a suspended laptop) from a live one: its backend
stays connected. So the holder also proves it is alive with a heartbeat row, written on the lock
connection with the database clock; an observer that finds the heartbeat older than the lease ends
the holder's backend, which releases the lock and rolls back whatever that holder had not committed.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass

import psycopg
from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import SQLAlchemyError

from mhc_core.db.engine import APPLICATION_NAME, Database, make_engine
from mhc_core.formats import error_reason

log = logging.getLogger(__name__)

# The backend holding this broadcaster's advisory lock in this database (at most one row).
_LOCK_HOLDER = """
    SELECT a.application_name, a.pid, host(a.client_addr) AS client_addr, a.backend_start
    FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
    WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
      AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
      AND l.classid::bigint = :hi AND l.objid::bigint = :lo
"""

_HOLDER_SQL = text(f"SELECT application_name, pid, client_addr FROM ({_LOCK_HOLDER}) AS holder LIMIT 1")

_BEAT_SQL = text(
    """
    INSERT INTO capture_heartbeat (broadcaster, holder, backend_pid, heartbeat_at)
    VALUES (:b, :holder, pg_backend_pid(), clock_timestamp())
    ON CONFLICT (broadcaster) DO UPDATE
    SET holder = excluded.holder, backend_pid = excluded.backend_pid, heartbeat_at = excluded.heartbeat_at
    """
)

# Ends the holder's backend when its heartbeat is older than the lease. The heartbeat must have been
# written by the backend holding the lock now (same pid, written after it started): a row left by an
# earlier holder, or not yet committed by a new one, never condemns anybody.
_END_STALE_HOLDER_SQL = text(
    f"""
    SELECT h.holder, extract(epoch FROM clock_timestamp() - h.heartbeat_at)::float8,
           pg_terminate_backend(h.backend_pid, :wait_ms)
    FROM capture_heartbeat h JOIN ({_LOCK_HOLDER}) AS holder ON holder.pid = h.backend_pid
    WHERE h.broadcaster = :b AND h.heartbeat_at >= holder.backend_start
      AND h.heartbeat_at < clock_timestamp() - make_interval(secs => :lease)
    """
)
# How long to wait for the ended backend to be gone (and the lock with it) before trying to take it.
_END_WAIT_MS = 5000


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


@dataclass(frozen=True)
class StaleHolder:
    """A holder whose backend was ended because it had not sent a heartbeat for `silent_for` seconds."""

    holder: str
    silent_for: float
    ended: bool  # False when its backend was still there after the wait (the lock may still be held)


class CaptureLock:
    """Not thread-safe: the capture service uses it from one worker thread only."""

    def __init__(self, db: Database, broadcaster: str) -> None:
        self.db = db
        self.broadcaster = broadcaster
        self.key = lock_key(broadcaster)
        self._engine: Engine | None = None
        self._conn: Connection | None = None
        self._pid: int | None = None
        self._lost_pid: int | None = None  # our last lost backend: never "another holder", even if not gone yet

    @property
    def held(self) -> bool:
        return self._conn is not None

    def advisory_key(self) -> dict[str, int]:
        """The lock key as pg_locks shows it: its high and low 32 bits (classid, objid)."""
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
            if got:
                self._write_heartbeat(conn)  # alive from the first moment, or an observer could end us
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
        raw = conn.connection.dbapi_connection
        return raw.info.backend_pid if isinstance(raw, psycopg.Connection) else None

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
            raise LockLost(f"the capture lock connection was lost: {error_reason(exc)}") from None

    def beat(self) -> None:
        """Prove this holder is alive, on the lock connection; LockLost if it cannot (then observers take over)."""
        conn = self.connection()
        try:
            self._write_heartbeat(conn)
            conn.commit()
        except SQLAlchemyError as exc:
            self.lost()
            raise LockLost(f"the capture lock connection was lost: {error_reason(exc)}") from None

    def _write_heartbeat(self, conn: Connection) -> None:
        conn.execute(_BEAT_SQL, {"b": self.broadcaster, "holder": APPLICATION_NAME.removeprefix("mhc:")})

    def lost(self) -> None:
        """Forget a broken lock connection (its backend, and so the lock, is gone or going)."""
        conn, self._conn, self._pid, self._lost_pid = self._conn, None, None, self._pid or self._lost_pid
        if conn is not None:
            try:
                conn.invalidate()
                conn.close()
            except SQLAlchemyError as exc:
                log.debug("closing a lost lock connection: %s", error_reason(exc))

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
                log.warning("releasing the capture lock: %s", error_reason(exc))
                conn.invalidate()
                conn.close()

    def dispose(self) -> None:
        self.release()
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None

    def holder(self) -> str | None:
        """Who holds capture of this broadcaster right now ("host:pid"), via the shared engine."""
        row = self._holder_row()
        return None if row is None else holder_name(row[0], row[1], row[2])

    def taken_by(self) -> str | None:
        """After a loss: who holds capture now, unless it is only our own lost backend, not yet gone."""
        row = self._holder_row()
        if row is None or row[1] == self._lost_pid:
            return None
        return holder_name(row[0], row[1], row[2])

    def _holder_row(self) -> tuple[str | None, int, str | None] | None:
        with self.db.engine.connect() as conn:
            row = conn.execute(_HOLDER_SQL, self.advisory_key()).first()
        return None if row is None else (row[0], row[1], row[2])

    def end_stale_holder(self, lease_seconds: float) -> StaleHolder | None:
        """End the holder's backend if its heartbeat is older than the lease (its lock goes with it).

        Via the shared engine; raises SQLAlchemyError if the database refuses (e.g. another role's backend)."""
        params = {**self.advisory_key(), "b": self.broadcaster, "lease": lease_seconds, "wait_ms": _END_WAIT_MS}
        with self.db.engine.connect() as conn:
            row = conn.execute(_END_STALE_HOLDER_SQL, params).first()
            conn.commit()
        if row is None:
            return None
        stale = StaleHolder(holder=row[0], silent_for=row[1], ended=bool(row[2]))
        log.log(logging.INFO if stale.ended else logging.WARNING,
                "capture of %s: ended the backend of %s (no heartbeat for %.0f s)%s", self.broadcaster,
                stale.holder, stale.silent_for, "" if stale.ended else ", but it has not gone yet")
        return stale
