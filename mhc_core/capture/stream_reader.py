"""The room's events from a cursor: one batch at a time from the Events API, each turned into journal entries.

The next batch is asked for while the last one is written (prefetch): at most one ahead, so while a batch
is retried nothing more is asked for, and nothing is committed out of order (the cursor only moves with
the batch it belongs to). After a small batch the next poll waits out the pace (see CaptureTuning).
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from dataclasses import dataclass
from types import TracebackType
from typing import Any

from mhc_core.capture.projection import JournalEntry, journal_entry
from mhc_core.capture.runtime import CaptureRuntime
from mhc_core.capture.status import retry_message
from mhc_core.clients.events import EventBatch, EventsClient, EventsStatus
from mhc_core.config import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Polled:
    batch: EventBatch
    entries: list[JournalEntry]


class StreamReader:
    """Use as ``async with StreamReader(...) as reader``; `next()` raises AuthError for a rejected token."""

    def __init__(self, settings: Settings, runtime: CaptureRuntime, cursor: str | None) -> None:
        assert settings.events_token is not None
        self.broadcaster = settings.broadcaster
        self.runtime = runtime
        tuning = runtime.tuning
        self._client = EventsClient(
            settings.events_base_url, settings.broadcaster, settings.events_token.get_secret_value(),
            settings.events_timeout, backoff_base=tuning.events_backoff_base,
            backoff_cap=tuning.events_backoff_cap, on_status=self._on_client_status,
        )
        self._batches = self._client.batches(cursor)
        self._pending: asyncio.Future[Polled] | None = None
        self._last_poll = 0.0
        self._delay = 0.0

    async def __aenter__(self) -> StreamReader:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        try:
            if self._pending is not None:
                await _abandon(self._pending)
        finally:
            await self._batches.aclose()
            await self._client.aclose()

    async def next(self) -> Polled | None:
        """The next batch, or None when stop() comes first (a poll in flight is abandoned, never a batch)."""
        fetch = self._pending or asyncio.ensure_future(self._poll())
        self._pending = None
        polled = await self._await(fetch)
        if polled is None:
            return None
        tuning = self.runtime.tuning
        self._delay = tuning.pace_seconds if 0 < len(polled.batch.events) < tuning.pace_below else 0.0
        if tuning.prefetch and not self.runtime.stopping:
            self._pending = asyncio.ensure_future(self._poll())  # overlaps the write of this batch
        return polled

    async def _poll(self) -> Polled:
        wait = self._last_poll + self._delay - time.monotonic()
        if wait > 0:
            await asyncio.sleep(wait)
        self._last_poll = time.monotonic()
        batch = await anext(self._batches)
        # Turned into journal entries here, so with prefetch this overlaps the previous write.
        return Polled(batch, [journal_entry(e, self.broadcaster, batch.received_at) for e in batch.events])

    async def _await(self, fetch: asyncio.Future[Polled]) -> Polled | None:
        if not fetch.done():
            stop = asyncio.ensure_future(self.runtime.stopped())
            waiting: set[asyncio.Future[Any]] = {fetch, stop}
            try:
                await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
            finally:
                stop.cancel()
        if fetch.done():
            return fetch.result()
        await _abandon(fetch)
        return None

    def _on_client_status(self, status: EventsStatus) -> None:
        board = self.runtime.board
        if status.state == "connecting":
            board.report("capture", "starting", "connecting")
        elif status.state == "connected":
            board.report("capture", "connected", "connected")
        elif status.state == "retrying":
            delay = status.retry_in or 0.0
            board.report("capture", "retrying",
                         retry_message(delay, status.attempt, status.last_error or "no answer"), retry_in=delay)
        elif status.state == "auth_failed":
            board.report("capture", "auth_failed", auth_message(status.last_error or ""))


def auth_message(text: str) -> str:
    """'token rejected (HTTP 401)' from a client's error text."""
    match = re.search(r"HTTP (\d{3})", text)
    return f"token rejected (HTTP {match.group(1)})" if match else "token rejected"


async def _abandon(fetch: asyncio.Future[Polled]) -> None:
    if fetch.done():
        if not fetch.cancelled() and fetch.exception() is not None:
            log.debug("capture: an abandoned poll had failed: %s", fetch.exception())
        return
    fetch.cancel()
    try:
        await fetch
    except asyncio.CancelledError:
        log.debug("capture: poll abandoned")
