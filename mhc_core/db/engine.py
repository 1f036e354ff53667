"""The engine and session factory, and a clear one-line failure when the database cannot be reached."""

from __future__ import annotations

import functools
import logging
import os
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, create_engine, event, make_url, text
from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from mhc_core.config import Settings
from mhc_core.db import embedded
from mhc_core.db.embedded import EmbeddedPostgresError, start_embedded
from mhc_core.formats import connection_reason

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


@dataclass
class Database:
    engine: Engine
    sessions: sessionmaker[Session]
    where: str
    # The embedded server's ensure_running; None for a configured MHC_DATABASE_URL (not ours to start).
    restart: Callable[[], embedded.Running] | None = None
    _healing: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False, compare=False)

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
            raise DatabaseUnavailable(f"cannot reach the database at {self.where}: {connection_reason(exc)}") from None

    def heal(self) -> bool:
        """After a failed connection: start the embedded server again if it has gone, and reconnect.

        For the retry paths (capture's backoff, the console's probes); safe from any thread, cheap when
        the server runs, never raises. True when the server had to be started again: connections to the
        old one are dropped, and a server that came back elsewhere (another socket or port) gets a new
        engine. A configured MHC_DATABASE_URL is not ours to start: False.
        """
        if self.restart is None:
            return False
        with self._healing:
            try:
                running = self.restart()
            except EmbeddedPostgresError as exc:
                log.warning("database: %s", exc)
                return False
            url = normalize_url(running.url)
            if url != self.engine.url:
                self._reconnect(url)
            elif running.replaced:
                self.engine.dispose()
            if running.replaced:
                log.warning("database: the embedded server was gone and has been started again at %s", self.where)
            return running.replaced

    def _reconnect(self, url: URL) -> None:
        old, self.engine = self.engine, make_engine(url)
        self.sessions.configure(bind=self.engine)
        self.where = describe(url)
        old.dispose()

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
    def _utc(dbapi_conn: Any, _record: Any) -> None:
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
    restart = None if settings.database_url else functools.partial(embedded.ensure_running, settings.resolved_data_dir)
    db = Database(engine=engine, sessions=sessionmaker(engine, expire_on_commit=False), where=describe(url),
                  restart=restart)
    if check:
        db.check()
    return db
