"""The engine and session factory, and a clear one-line failure when the database cannot be reached."""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import Engine, create_engine, event, make_url, text
from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from mhc_core.config import Settings
from mhc_core.db.embedded import EmbeddedPostgresError, start_embedded

log = logging.getLogger(__name__)

# Identifies this process in pg_stat_activity, so another console can say who holds capture.
APPLICATION_NAME = f"mhc:{socket.gethostname()}:{os.getpid()}"[:63]


class DatabaseUnavailable(Exception):
    """The database cannot be reached or started. The message is one line naming where."""


def normalize_url(url: str) -> URL:
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def describe(url: URL) -> str:
    """Where the database is, for messages: host:port/db, or the socket directory. Never the password."""
    host = url.host or url.query.get("host") or "localhost"
    if isinstance(host, tuple):
        host = host[0]
    port = url.port or url.query.get("port") or 5432
    if isinstance(port, tuple):
        port = port[0]
    return f"{host}:{port}/{url.database}"


def _reason(exc: BaseException) -> str:
    original = getattr(exc, "orig", None) or exc
    lines = [ln.strip() for ln in str(original).splitlines() if ln.strip()]
    if not lines:
        return type(original).__name__
    # psycopg: 'connection failed: connection to server at "h", port p failed: Connection refused'
    return lines[0].rsplit("failed: ", 1)[-1]


@dataclass
class Database:
    engine: Engine
    sessions: sessionmaker[Session]
    where: str

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A unit of work: committed on success, rolled back on any error."""
        with self.sessions() as session, session.begin():
            yield session

    def check(self) -> None:
        try:
            with self.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except (OperationalError, DBAPIError) as exc:
            raise DatabaseUnavailable(f"cannot reach the database at {self.where}: {_reason(exc)}") from None

    def dispose(self) -> None:
        self.engine.dispose()


def make_engine(url: str | URL, *, pool_size: int = 5) -> Engine:
    url = normalize_url(str(url)) if isinstance(url, str) else url
    engine = create_engine(
        url,
        pool_pre_ping=True,
        pool_size=pool_size,
        max_overflow=5,
        connect_args={"application_name": APPLICATION_NAME, "connect_timeout": 5},
    )

    @event.listens_for(engine, "connect")
    def _utc(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
        # Timestamps come back in UTC whatever the server's zone; display zones are applied on screen.
        with dbapi_conn.cursor() as cur:
            cur.execute("SET TIME ZONE 'UTC'")
        dbapi_conn.commit()

    return engine


def database_url(settings: Settings) -> str:
    """The configured URL, or the embedded server's (started on demand)."""
    if settings.database_url:
        return settings.database_url
    try:
        return start_embedded(settings.resolved_data_dir)
    except EmbeddedPostgresError as exc:
        raise DatabaseUnavailable(str(exc)) from None


def open_database(settings: Settings, *, check: bool = True) -> Database:
    url = normalize_url(database_url(settings))
    engine = make_engine(url)
    db = Database(engine=engine, sessions=sessionmaker(engine, expire_on_commit=False), where=describe(url))
    if check:
        db.check()
    return db
