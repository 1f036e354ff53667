"""Read-only queries for the console's live event feed, its room list and its health line."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import ColumnElement, Select, and_, func, select
from sqlalchemy.orm import Session

from mhc_core.db.models import EventLog, Interaction, InteractionSource, InteractionType, Person
from mhc_core.services import alerts, scope_hint, sessions
from mhc_core.services.amounts import TOKENS

# What the room itself said or did; operator notes and imports are not part of the live feed.
FEED_SOURCES = (InteractionSource.CB_EVENTS.value,)
ROOM_TRAFFIC = (InteractionType.USER_ENTER.value, InteractionType.USER_LEAVE.value)



@dataclass(frozen=True, slots=True)
class FeedItem:
    id: int
    type: str
    timestamp: datetime
    person_id: uuid.UUID
    username: str
    content: str | None
    tokens: int | None
    stream_session_id: int | None


def _tokens(meta: object) -> int | None:
    value = meta.get("tokens") if isinstance(meta, dict) else None
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return int(value)


def _items(session: Session, stmt: Select) -> list[FeedItem]:
    return [
        FeedItem(id=row.id, type=row.type, timestamp=row.timestamp, person_id=row.person_id, username=row.username,
                 content=row.content, tokens=_tokens(row.meta), stream_session_id=row.stream_session_id)
        for row in session.execute(stmt)
    ]


def _feed_select(types: Sequence[str] | None) -> Select:
    stmt = (
        select(Interaction.id, Interaction.type, Interaction.timestamp, Interaction.person_id, Person.username,
               Interaction.content, Interaction.meta, Interaction.stream_session_id)
        .join(Person, Person.id == Interaction.person_id)
        .where(Interaction.source.in_(FEED_SOURCES))
    )
    if types:
        stmt = stmt.where(Interaction.type.in_(list(types)))
    return stmt


def events_after(
    session: Session, after_id: int, *, limit: int = 2000, types: Sequence[str] | None = None
) -> list[FeedItem]:
    """Feed events committed with an id above `after_id`, oldest first (ids grow with each commit of the
    single capturing process, so `id > last shown` is the catch-up rule)."""
    stmt = _feed_select(types).where(Interaction.id > after_id).order_by(Interaction.id).limit(limit)
    return _items(session, stmt)


def latest_events(session: Session, *, limit: int = 500, types: Sequence[str] | None = None) -> list[FeedItem]:
    """The newest `limit` feed events, oldest first (for the feed's first screenful and scrollback)."""
    stmt = _feed_select(types).order_by(Interaction.id.desc()).limit(limit)
    return list(reversed(_items(session, stmt)))


@dataclass(frozen=True, slots=True)
class RoomEntry:
    person_id: uuid.UUID
    username: str
    entered_at: datetime
    tokens: int


def broadcast_started_at(session: Session, broadcaster: str) -> datetime | None:
    """When the room's latest broadcastStart was received (None: capture has seen none)."""
    return session.scalar(
        select(func.max(Interaction.timestamp))
        .join(Person, Person.id == Interaction.person_id)
        .where(Interaction.type == InteractionType.BROADCAST_START.value, Interaction.source.in_(FEED_SOURCES),
               Person.username == broadcaster)
    )


def room_now(
    session: Session, broadcaster: str, *, tips_session_id: int | None = None, limit: int = 500
) -> list[RoomEntry]:
    """Who is in the room: persons whose last USER_ENTER/USER_LEAVE since the latest broadcast start (or
    since capture began, if none was seen) is an enter, newest arrival first. A stream session plays no
    part in who is here: a manual one may start late or never. Tokens are those tipped in
    `tips_session_id` (the LIVE session, whose figures the dashboard shows beside), else since the start."""
    since = broadcast_started_at(session, broadcaster)
    traffic: list[ColumnElement[bool]] = [Interaction.type.in_(ROOM_TRAFFIC), Interaction.source.in_(FEED_SOURCES)]
    tips: list[ColumnElement[bool]] = [Interaction.type == InteractionType.TIP_EVENT.value]
    if since is not None:
        traffic.append(Interaction.timestamp >= since)
    if tips_session_id is not None:
        tips.append(Interaction.stream_session_id == tips_session_id)
    elif since is not None:
        tips.append(Interaction.timestamp >= since)
    last = (
        select(
            Interaction.person_id,
            Interaction.type,
            Interaction.timestamp,
            func.row_number().over(
                partition_by=Interaction.person_id, order_by=(Interaction.timestamp.desc(), Interaction.id.desc())
            ).label("rank"),
        )
        .where(*traffic)
        .subquery()
    )
    tipped = (
        select(Interaction.person_id, func.sum(TOKENS).label("tokens"))
        .where(*tips)
        .group_by(Interaction.person_id)
        .subquery()
    )
    stmt = (
        select(last.c.person_id, Person.username, last.c.timestamp, func.coalesce(tipped.c.tokens, 0))
        .join(Person, Person.id == last.c.person_id)
        .outerjoin(tipped, tipped.c.person_id == last.c.person_id)
        .where(and_(last.c.rank == 1, last.c.type == InteractionType.USER_ENTER.value))
        .order_by(last.c.timestamp.desc(), Person.username)
        .limit(limit)
    )
    return [RoomEntry(pid, name, at, int(tokens)) for pid, name, at, tokens in session.execute(stmt)]


@dataclass(frozen=True, slots=True)
class LiveSummary:
    """What the health line shows besides component states."""

    session_id: int | None
    started_at: datetime | None
    tokens: int
    last_event_at: datetime | None
    unacknowledged: int = 0  # what the inbox shows
    scope_hint: bool = False  # the Events API token may lack the full scope (services/scope_hint.py)


def last_event_at(session: Session, broadcaster: str) -> datetime | None:
    """When the newest event from the Events API was received (the journal is the truth for it)."""
    return session.scalar(
        select(EventLog.received_at).where(EventLog.broadcaster == broadcaster).order_by(EventLog.id.desc()).limit(1)
    )


def live_summary(session: Session, broadcaster: str, *, now: datetime | None = None) -> LiveSummary:
    live = sessions.current(session, broadcaster)
    tokens = sessions.stats(session, live, now=now or datetime.now(UTC)).tokens if live else 0
    # The newest event, the inbox's count and the scope hint in one round trip: the health line reads this often.
    last = (select(EventLog.received_at).where(EventLog.broadcaster == broadcaster)
            .order_by(EventLog.id.desc()).limit(1).scalar_subquery())
    row = session.execute(select(last, alerts.unacknowledged_count_expr(broadcaster),
                                 scope_hint.scope_hint_expr(broadcaster))).one()
    return LiveSummary(
        session_id=live.id if live else None,
        started_at=live.started_at if live else None,
        tokens=tokens,
        last_event_at=row[0],
        unacknowledged=int(row[1] or 0),
        scope_hint=bool(row[2]),
    )
