"""Interactions: append-only records of what a person said, tipped or did, and notes about them."""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mhc_core.db.models import Interaction, InteractionSource, InteractionType, Person
from mhc_core.display import printable

# Tab, line feed and carriage return are text; any other C0 or C1 control, DEL or lone surrogate
# (an undecodable byte kept by surrogateescape, half an emoji) is not, and Postgres refuses NUL.
_NOT_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
# Python's surrogateescape keeps an undecodable byte 0xXY as U+DCXY.
_ESCAPED_BYTES = range(0xDC80, 0xDD00)


class NotText(ValueError):
    """Operator input (a paste, a note) that is not text: refused whole, so nothing half-stored."""


def storable_text(raw: bytes | str, what: str) -> str:
    """`raw` as the exact text to store, or NotText naming `what` and where it stops being text.

    Bytes must be UTF-8 (a leading byte-order mark is dropped). The one rule for everything the
    operator hands in to be kept, from the command line or the console.
    """
    if isinstance(raw, bytes):
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise NotText(f"{what} is not UTF-8 text (byte 0x{raw[exc.start]:02x} at offset {exc.start}); "
                          "nothing stored") from None
    else:
        text = raw
    bad = _NOT_TEXT.search(text)
    if bad is None:
        return text
    code, where = ord(bad.group()), bad.start()
    if code in _ESCAPED_BYTES:
        raise NotText(f"{what} is not UTF-8 text (byte 0x{code - 0xDC00:02x} at character {where}); nothing stored")
    if 0xD800 <= code <= 0xDFFF:
        raise NotText(f"{what} is not UTF-8 text (half a character, {printable(bad.group())}, at character {where}); "
                      "nothing stored")
    raise NotText(f"{what} holds a control character ({printable(bad.group())} at character {where}), "
                  "so it is not text; nothing stored")


def append(
    session: Session,
    person_id: uuid.UUID,
    type: str,
    *,
    content: str | None = None,
    timestamp: datetime | None = None,
    source: str = InteractionSource.MANUAL.value,
    metadata: dict[str, Any] | None = None,
    event_id: str | None = None,
    stream_session_id: int | None = None,
) -> Interaction:
    interaction = Interaction(
        person_id=person_id,
        type=InteractionType(type).value,
        content=content,
        timestamp=timestamp or datetime.now(UTC),
        source=InteractionSource(source).value,
        meta=metadata or {},
        event_id=event_id,
        stream_session_id=stream_session_id,
    )
    session.add(interaction)
    session.flush()
    return interaction


@dataclass(frozen=True)
class Page:
    items: list[Interaction]
    total: int
    offset: int
    limit: int


def by_person(
    session: Session,
    person_id: uuid.UUID,
    *,
    types: Sequence[str] | None = None,
    sources: Sequence[str] | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 50,
    offset: int = 0,
) -> Page:
    """Newest first, filtered by type, source and a [since, until) time range, one page at a time."""
    where = [Interaction.person_id == person_id]
    if types:
        where.append(Interaction.type.in_(list(types)))
    if sources:
        where.append(Interaction.source.in_(list(sources)))
    if since is not None:
        where.append(Interaction.timestamp >= since)
    if until is not None:
        where.append(Interaction.timestamp < until)
    total = session.scalar(select(func.count()).select_from(Interaction).where(*where)) or 0
    items = session.scalars(
        select(Interaction).where(*where)
        .order_by(Interaction.timestamp.desc(), Interaction.id.desc())
        .limit(limit).offset(offset)
    ).all()
    return Page(list(items), total, offset, limit)


def by_session(
    session: Session, stream_session_id: int, *, types: Sequence[str] | None = None
) -> list[tuple[Interaction, str]]:
    """Everything linked to a stream session in time order, with each person's username."""
    stmt = (
        select(Interaction, Person.username)
        .join(Person, Person.id == Interaction.person_id)
        .where(Interaction.stream_session_id == stream_session_id)
        .order_by(Interaction.timestamp, Interaction.id)
    )
    if types:
        stmt = stmt.where(Interaction.type.in_(list(types)))
    return [(row[0], row[1]) for row in session.execute(stmt)]


def recent(session: Session, *, limit: int = 20, types: Sequence[str] | None = None) -> list[tuple[Interaction, str]]:
    """The newest interactions across everyone, with usernames."""
    stmt = (
        select(Interaction, Person.username)
        .join(Person, Person.id == Interaction.person_id)
        .order_by(Interaction.timestamp.desc(), Interaction.id.desc())
        .limit(limit)
    )
    if types:
        stmt = stmt.where(Interaction.type.in_(list(types)))
    return [(row[0], row[1]) for row in session.execute(stmt)]
