"""Interactions: append-only records of what a person said, tipped or did, and notes about them."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mhc_core.db.models import Interaction, InteractionSource, InteractionType, Person


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


def as_json(interaction: Interaction) -> dict[str, Any]:
    return {
        "type": interaction.type,
        "content": interaction.content,
        "timestamp": interaction.timestamp.isoformat(),
        "source": interaction.source,
        "metadata": interaction.meta,
    }
