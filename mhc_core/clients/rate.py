"""One request budget per process for an API that limits requests per minute (Statbate: per account).

Written here rather than taken from aiolimiter: an aiolimiter limiter belongs to the event loop that first
uses it, and the console asks Statbate from worker threads that each run their own loop while the radar
asks from the capture's loop. A slot is reserved under a `threading.Lock` (no loop involved), then the
caller sleeps on its own loop until that slot: any thread, any loop, one budget.

Two rules decide the slot: a short burst (a lookup's few requests go at once) then an even pace, and a
hard cap of `per_minute` over any 60 s window (the log of the last `per_minute` slots).
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable

__all__ = ["RateLimit", "shared_rate"]

WINDOW = 60.0
BURST = 5


class RateLimit:
    def __init__(
        self,
        per_minute: int,
        *,
        burst: int = BURST,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    ) -> None:
        if per_minute < 1:
            raise ValueError("per_minute must be at least 1")
        self.per_minute = per_minute
        self._interval = WINDOW / per_minute
        self._tolerance = (max(1, min(burst, per_minute)) - 1) * self._interval
        self._clock, self._sleep = clock, sleep
        self._lock = threading.Lock()
        self._tat = 0.0  # the pace's "theoretical arrival time" of the next request (GCRA)
        self._slots: deque[float] = deque(maxlen=per_minute)

    def __repr__(self) -> str:
        return f"RateLimit(per_minute={self.per_minute})"

    def reserve(self) -> float:
        """Take the next free slot; returns how many seconds from now it is (0 when free at once)."""
        with self._lock:
            now = self._clock()
            at = max(now, self._tat - self._tolerance)
            if len(self._slots) == self.per_minute:
                at = max(at, self._slots[0] + WINDOW)
            self._tat = max(self._tat, at) + self._interval
            self._slots.append(at)
            return at - now

    async def acquire(self) -> None:
        """Wait for a slot. A cancelled wait still uses its slot (erring on the side of the budget)."""
        delay = self.reserve()
        if delay > 0:
            await self._sleep(delay)


_shared: dict[int, RateLimit] = {}
_shared_lock = threading.Lock()


def shared_rate(per_minute: int) -> RateLimit:
    """This process's limit for this budget: every client built with it shares one count."""
    with _shared_lock:
        limit = _shared.get(per_minute)
        if limit is None:
            limit = _shared[per_minute] = RateLimit(per_minute)
        return limit
