"""Change notifications over Postgres LISTEN/NOTIFY.

Writers call `notify()` inside their transaction, so a notification is delivered only if, and only
after, the rows it announces are committed. Every console LISTENs and re-reads committed rows: there
is no side channel from the capturing process to a screen.
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass
from typing import Any

import psycopg
from sqlalchemy import text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.orm import Session

from mhc_core.channels import (  # noqa: F401 - the channels, importable from here as before
    ALL_CHANNELS,
    CHANNEL_EVENTS,
    CHANNEL_PERSONS,
    CHANNEL_SESSIONS,
    CHANNEL_STATS,
)
from mhc_core.formats import error_reason

log = logging.getLogger(__name__)


def notify(session: Session, channel: str, payload: dict[str, Any] | None = None) -> None:
    """Queue a notification; Postgres delivers it at commit (and drops it on rollback)."""
    session.execute(text("SELECT pg_notify(:c, :p)"), {"c": channel, "p": json.dumps(payload or {})})


def person_changed(session: Session, person_id: uuid.UUID, what: str, row_id: int | None = None) -> None:
    """Announce on mhc_persons that `what` (one of PERSON_CHANGES) changed about a person."""
    notify(session, CHANNEL_PERSONS, {"person_id": str(person_id), "what": what, "id": row_id})


@dataclass(frozen=True)
class Notification:
    channel: str
    payload: dict[str, Any]


def conninfo(url: str | URL) -> str:
    """A libpq connection string from a SQLAlchemy URL."""
    parsed = make_url(str(url)) if isinstance(url, str) else url
    return parsed.set(drivername="postgresql").render_as_string(hide_password=False)


async def listen(
    url: str | URL,
    channels: Iterable[str] = ALL_CHANNELS,
    *,
    retry_seconds: float = 2.0,
    on_disconnect: Callable[[str], None] | None = None,
) -> AsyncIterator[Notification | None]:
    """Yield notifications forever, reconnecting after a lost connection.

    Yields None once after every (re)connection, so a reader re-reads everything it shows: whatever
    was committed while it was disconnected would otherwise be missed. `on_disconnect`, if given, is
    called with the reason each time the connection is lost (or cannot be made), before the retry wait.
    """
    dsn = conninfo(url)
    channels = list(channels)
    while True:
        try:
            async with await psycopg.AsyncConnection.connect(dsn, autocommit=True) as conn:
                for channel in channels:
                    await conn.execute(f'LISTEN "{channel}"')
                yield None
                async for note in conn.notifies():
                    try:
                        payload = json.loads(note.payload) if note.payload else {}
                    except ValueError:
                        log.warning("ignoring a malformed notification on %s: %r", note.channel, note.payload)
                        continue
                    yield Notification(note.channel, payload if isinstance(payload, dict) else {})
        except psycopg.OperationalError as exc:
            reason = error_reason(exc)
            log.warning("notification connection lost (%s); reconnecting in %.0f s", reason, retry_seconds)
            if on_disconnect is not None:
                on_disconnect(reason)
            await asyncio.sleep(retry_seconds)
