"""Change notifications over Postgres LISTEN/NOTIFY.

Writers call `notify()` inside their transaction, so a notification is delivered only if, and only
after, the rows it announces are committed. Every console LISTENs and re-reads committed rows: there
is no side channel from the capturing process to a screen.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass
from typing import Any

import psycopg
from sqlalchemy import text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

CHANNEL_EVENTS = "mhc_events"
CHANNEL_STATS = "mhc_stats"
CHANNEL_SESSIONS = "mhc_sessions"
CHANNEL_PERSONS = "mhc_persons"
ALL_CHANNELS = (CHANNEL_EVENTS, CHANNEL_STATS, CHANNEL_SESSIONS, CHANNEL_PERSONS)


def notify(session: Session, channel: str, payload: dict[str, Any] | None = None) -> None:
    """Queue a notification; Postgres delivers it at commit (and drops it on rollback)."""
    session.execute(text("SELECT pg_notify(:c, :p)"), {"c": channel, "p": json.dumps(payload or {})})


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
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            log.warning("notification connection lost (%s); reconnecting in %.0f s", reason, retry_seconds)
            if on_disconnect is not None:
                on_disconnect(reason)
            await asyncio.sleep(retry_seconds)
