"""Who captures: take the capture lock, hold it with a heartbeat, say when it is lost, and observe (then take
over) while another process holds it.

The holder sends a heartbeat every quarter of MHC_CAPTURE_LEASE_SECONDS (see lock.py); an observer ends a
holder silent for longer (frozen, suspended) and takes over from the saved cursor.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from sqlalchemy.exc import SQLAlchemyError

from mhc_core.capture.lock import CaptureLock, LockLost, StaleHolder
from mhc_core.capture.runtime import CaptureRuntime, Outcome
from mhc_core.capture.status import Component
from mhc_core.formats import connection_reason

log = logging.getLogger(__name__)


class LockKeeper:
    def __init__(
        self, runtime: CaptureRuntime, lock: CaptureLock, components: list[Component], lease_seconds: float
    ) -> None:
        self.runtime = runtime
        self.lock = lock
        self.components = components
        self.lease_seconds = lease_seconds

    async def run(self, hold: Callable[[], Awaitable[Outcome]]) -> None:
        """Until stop(): whenever this process holds capture, `hold()` (with the heartbeat going); otherwise
        observe. Never raises for an unreachable database: it says so and retries."""
        runtime, lock = self.runtime, self.lock
        attempt = 0
        stale: StaleHolder | None = None
        while not runtime.stopping:
            try:
                got = await runtime.in_worker(lock.try_acquire)
            except SQLAlchemyError as exc:
                attempt += 1
                await runtime.retry_later(attempt, f"database unreachable: {connection_reason(exc)}",
                                          *self.components)
                continue
            attempt = 0
            if not got:
                stale = await self._observe()
                continue
            if stale is not None:
                self._say_took_over(stale)
                stale = None
            if await self._holding(hold) == "stopped":
                return
            await self._say_lost()

    async def hold_idle(self) -> Outcome:
        """Hold capture with nothing to write (stats only, or a rejected events token): notice a loss."""
        while await self.runtime.sleep(self.runtime.tuning.idle_check_seconds):
            try:
                await self.runtime.in_worker(self.lock.ping)
            except LockLost:
                return "lost"
        return "stopped"

    async def taken_by(self) -> str | None:
        """After a loss: the process that holds capture now, if another one does."""
        try:
            return await self.runtime.in_worker(self.lock.taken_by)
        except SQLAlchemyError as exc:
            log.debug("capture: cannot see who holds capture: %s", connection_reason(exc))  # the retry says why
            return None

    async def _holding(self, hold: Callable[[], Awaitable[Outcome]]) -> Outcome:
        heartbeat = asyncio.ensure_future(self._heartbeat())
        try:
            return await hold()
        finally:
            heartbeat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await heartbeat

    async def _heartbeat(self) -> None:
        """While holding: prove to observers, every quarter of the lease, that this process is alive."""
        while await self.runtime.sleep(self.lease_seconds / 4):
            try:
                await self.runtime.in_worker(self.lock.beat)
            except LockLost as exc:
                # Not reported here: the next write or ping meets the loss and says what happened.
                log.debug("capture: heartbeat not sent: %s", exc)

    async def _observe(self) -> StaleHolder | None:
        """Show who holds capture; a holder silent for longer than the lease is ended and returned at once."""
        runtime, lock = self.runtime, self.lock
        note = ""
        try:
            stale = await runtime.in_worker(lock.end_stale_holder, self.lease_seconds)
            if stale is not None:
                return stale
        except SQLAlchemyError as exc:
            note = f" (cannot check its heartbeat: {connection_reason(exc)})"
        try:
            holder = await runtime.in_worker(lock.holder)
        except SQLAlchemyError as exc:
            log.warning("capture: cannot see who holds capture: %s", connection_reason(exc))
            holder = None
        message = (f"held by {holder}" if holder else "held by another process") + note
        wait = runtime.tuning.takeover_seconds
        for component in self.components:
            runtime.board.report(component, "held_elsewhere", message, retry_in=wait, holder=holder)
        await runtime.sleep(wait)
        return None

    def _say_took_over(self, stale: StaleHolder) -> None:
        message = f"took over from {stale.holder} (no heartbeat for {stale.silent_for:.0f} s)"
        log.info("capture: %s", message)
        for component in self.components:
            self.runtime.board.report(component, "starting", message)

    async def _say_lost(self) -> None:
        """Said once per loss: to whom capture went (a process resumed after a freeze was replaced)."""
        holder = await self.taken_by()
        if holder is None:
            log.warning("capture: lost the capture lock; trying to take it again")
            return
        message = f"lost the capture lock to {holder}; observing"
        log.info("capture: %s", message)
        for component in self.components:
            self.runtime.board.report(component, "held_elsewhere", message, holder=holder)
