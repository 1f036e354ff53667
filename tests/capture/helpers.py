"""Helpers for the capture tests: settings pointing at the fake, a running service, waiting, DB reads."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import text

from mhc_core.capture.listener import BatchResult, write_batch
from mhc_core.capture.projection import JournalEntry, journal_entry
from mhc_core.capture.service import CaptureService, CaptureTuning
from mhc_core.capture.status import ComponentStatus
from mhc_core.clients.event_models import parse_event
from mhc_core.config import Settings
from mhc_core.db import Database
from tests.fakes import FakeApis

B = "hudson_cage"
# Event ids stamp times; a fixed point in the recent past keeps them valid (not in the future).
T0 = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=6)


def at(minutes: float, seq: int = 0, **event: Any) -> JournalEntry:
    """A journal entry whose id stamps it `minutes` after T0."""
    when = T0 + timedelta(minutes=minutes)
    raw = {"id": f"{int(when.timestamp() * 1000)}-{seq}", **event}
    return journal_entry(parse_event(raw), B, datetime.now(UTC))


def write(db: Database, entries: list[JournalEntry], cursor: str | None = "c", merge: int = 30,
          **kwargs: Any) -> BatchResult:
    """One batch through the listener's write path, in its own transaction."""
    with db.session() as s:
        return write_batch(s, B, entries, cursor, merge_minutes=merge, **kwargs)


FAST = CaptureTuning(takeover_seconds=0.2, db_backoff_base=0.05, db_backoff_cap=0.3,
                     events_backoff_base=0.02, events_backoff_cap=0.2, idle_check_seconds=0.2)


def capture_settings(database_url: str, fake: FakeApis | None, *, stats: bool = False, **overrides: Any) -> Settings:
    values: dict[str, Any] = {"database_url": database_url, "events_timeout": 1}
    if fake is not None:
        values.update(broadcaster=fake.broadcaster, events_base_url=fake.events_base_url,
                      events_token=fake.events_token)
        if stats:
            values.update(stats_base_url=fake.stats_base_url, stats_token=fake.stats_token)
    values.update(overrides)
    return Settings(**values)


class Running:
    """A CaptureService running as a task on the test's loop, with every status it reported."""

    def __init__(self, service: CaptureService, statuses: list[ComponentStatus], events: list[dict]) -> None:
        self.service = service
        self.statuses = statuses
        self.events = events
        self.task: asyncio.Task | None = None

    def states(self, component: str = "capture") -> list[str]:
        return [s.state for s in self.statuses if s.component == component]

    def state(self, component: str = "capture") -> str | None:
        current = self.service.statuses.get(component)
        return current.state if current else None

    async def stop(self, timeout: float = 5.0) -> float:
        started = time.monotonic()
        self.service.stop()
        assert self.task is not None
        await asyncio.wait_for(self.task, timeout)
        return time.monotonic() - started


@contextlib.asynccontextmanager
async def running(settings: Settings, db: Database, **tuning: Any) -> AsyncIterator[Running]:
    """A service with FAST tuning (any field of CaptureTuning can be given to change it)."""
    statuses: list[ComponentStatus] = []
    events: list[dict] = []
    service = CaptureService(settings, db, on_status=statuses.append, on_event=events.extend,
                             tuning=replace(FAST, **tuning))
    run = Running(service, statuses, events)
    run.task = asyncio.create_task(service.run())
    try:
        yield run
    finally:
        if not run.task.done():
            await run.stop(timeout=10)


async def wait_until(predicate: Callable[[], Any], timeout: float = 10.0, what: str = "condition") -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        await asyncio.sleep(0.02)


def scalar(db: Database, sql: str, **params: Any) -> Any:
    with db.engine.connect() as conn:
        return conn.execute(text(sql), params).scalar()


def rows(db: Database, sql: str, **params: Any) -> list[Any]:
    with db.engine.connect() as conn:
        return list(conn.execute(text(sql), params))


def journaled(db: Database) -> int:
    return scalar(db, "SELECT count(*) FROM event_log")


def cursor(db: Database, broadcaster: str = "hudson_cage") -> str | None:
    return scalar(db, "SELECT cursor FROM listener_state WHERE broadcaster = :b", b=broadcaster)


class TcpProxy:
    """A TCP proxy to Postgres that a test can cut (refuse and drop every connection) and restore."""

    def __init__(self, upstream: tuple[str, int]) -> None:
        self.upstream = upstream
        self.port = 0
        self._server: socket.socket | None = None
        self._sockets: set[socket.socket] = set()
        self._lock = threading.Lock()

    def start(self) -> TcpProxy:
        server = socket.socket()
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(("127.0.0.1", self.port))
        server.listen(64)
        self.port = server.getsockname()[1]
        self._server = server
        threading.Thread(target=self._accept, args=(server,), daemon=True).start()
        return self

    def _accept(self, server: socket.socket) -> None:
        while True:
            try:
                client, _ = server.accept()
            except OSError:
                return  # listener closed by cut()
            try:
                upstream = socket.create_connection(self.upstream)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._sockets.update((client, upstream))
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket) -> None:
        try:
            with contextlib.suppress(OSError):  # the other side (or cut()) closed it
                while data := src.recv(65536):
                    dst.sendall(data)
        finally:
            for s in (src, dst):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)

    def cut(self) -> None:
        if self._server is not None:
            with contextlib.suppress(OSError):  # wakes the thread blocked in accept() (Linux)
                self._server.shutdown(socket.SHUT_RDWR)
            self._server.close()
            self._server = None
        with self._lock:
            doomed, self._sockets = self._sockets, set()
        for s in doomed:
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)
            s.close()

    def restore(self) -> None:
        self.start()
