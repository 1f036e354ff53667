"""Helpers shared by the client tests."""

from __future__ import annotations

import asyncio
import contextlib
import logging

import pytest

from mhc_core.clients.events import EventBatch, EventsClient, EventsStatus
from tests.fakes.server import FakeApis


def events_client(fake: FakeApis, **options: object) -> tuple[EventsClient, list[EventsStatus]]:
    """An EventsClient on the fake with fast test defaults; also returns the list of status changes."""
    statuses: list[EventsStatus] = []
    defaults: dict[str, object] = {"timeout": 1, "backoff_base": 0.02, "backoff_cap": 0.2}
    defaults.update(options)
    client = EventsClient(
        fake.events_base_url,
        fake.broadcaster,
        fake.events_token,
        on_status=statuses.append,
        **defaults,  # type: ignore[arg-type]
    )
    return client, statuses


async def collect(
    client: EventsClient,
    *,
    events: int | None = None,
    batches: int | None = None,
    cursor: str | None = None,
    deadline: float = 10.0,
) -> list[EventBatch]:
    """Read batches until `events` events or `batches` batches arrived (fails the test at `deadline`)."""
    got: list[EventBatch] = []

    async def run() -> None:
        async with contextlib.aclosing(client.batches(cursor)) as stream:
            async for batch in stream:
                got.append(batch)
                if events is not None and sum(len(b.events) for b in got) >= events:
                    return
                if batches is not None and len(got) >= batches:
                    return

    try:
        await asyncio.wait_for(run(), deadline)
    except TimeoutError:
        pytest.fail(f"timed out after {deadline} s with {len(got)} batches")
    return got


def assert_no_secret(text: str, *secrets: str) -> None:
    for secret in secrets:
        assert secret not in text, f"secret leaked in: {text[:300]}"


def all_log_text(records: list[logging.LogRecord]) -> str:
    out = []
    for record in records:
        out.append(record.getMessage())
        if record.exc_text:
            out.append(record.exc_text)
        if record.exc_info and record.exc_info[1] is not None:
            out.append(logging.Formatter().formatException(record.exc_info))
    return "\n".join(out)


def exception_chain_text(exc: BaseException) -> str:
    """str/repr/args of an exception and everything chained to it."""
    parts = []
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        parts += [str(current), repr(current), repr(current.args)]
        current = current.__cause__ or current.__context__
    return "\n".join(parts)
