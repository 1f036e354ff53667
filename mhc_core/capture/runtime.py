"""What the parts of capture share while it runs: the caller's loop, the one database thread, the stop
signal and the database backoff.

Every database write of capture runs on the one worker thread, on the lock connection, so writes are
serialised and die with the lock. Everything async runs on the caller's loop (callbacks too).
"""

from __future__ import annotations

import asyncio
import logging
import random
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Literal, TypeVar

from mhc_core.capture.status import Component, retry_message
from mhc_core.capture.status_board import StatusBoard
from mhc_core.capture.tuning import CaptureTuning
from mhc_core.db.engine import Database

log = logging.getLogger(__name__)

T = TypeVar("T")
# How holding capture (or writing one batch) ended.
Outcome = Literal["ok", "stopped", "lost", "cursor_moved", "auth_failed"]


class CaptureRuntime:
    def __init__(self, db: Database, tuning: CaptureTuning, board: StatusBoard) -> None:
        self.db = db
        self.tuning = tuning
        self.board = board
        self._stop = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._loop_thread: int | None = None
        self._executor: ThreadPoolExecutor | None = None

    def start(self) -> None:
        """On the caller's loop, first thing (the worker thread itself starts with the first call)."""
        self._loop = asyncio.get_running_loop()
        self._loop_thread = threading.get_ident()
        self._executor = ThreadPoolExecutor(1, thread_name_prefix="mhc-capture")

    def shutdown(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=False)

    def stop(self) -> None:
        """Safe from any thread."""
        loop = self._loop
        if loop is None or threading.get_ident() == self._loop_thread or loop.is_closed():
            self._stop.set()
        else:
            loop.call_soon_threadsafe(self._stop.set)

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    async def stopped(self) -> None:
        await self._stop.wait()

    async def in_worker(self, fn: Callable[..., T], *args: object) -> T:
        """`fn(*args)` on the database thread."""
        assert self._executor is not None and self._loop is not None
        return await self._loop.run_in_executor(self._executor, fn, *args)

    async def sleep(self, seconds: float) -> bool:
        """Sleep unless stop() comes first; True when the full time passed."""
        try:
            await asyncio.wait_for(self._stop.wait(), timeout=max(0.0, seconds))
        except TimeoutError:
            return True
        return False

    async def retry_later(self, attempt: int, reason: str, *components: Component) -> bool:
        """Say "retrying in N s" for the database backoff of this attempt, then wait it out (not when
        the embedded server had died and has just been started again).

        False when stop() was called meanwhile."""
        delay = self._db_backoff(attempt)
        message = retry_message(delay, attempt, reason)
        log.warning("capture: %s", message)
        for component in components or ("capture",):
            self.board.report(component, "retrying", message, retry_in=delay)
        if await self.in_worker(self.db.heal):  # an embedded server that died is started again
            # It is back: retry at once rather than after a backoff grown while it was down.
            return await self.sleep(0)
        return await self.sleep(delay)

    def _db_backoff(self, attempt: int) -> float:
        ceiling = min(self.tuning.db_backoff_cap, self.tuning.db_backoff_base * 2 ** min(attempt - 1, 20))
        return ceiling / 2 + random.uniform(0, ceiling / 2)
