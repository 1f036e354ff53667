"""The stored rows behind a person's behaviour analysis, aggregated in SQL (read-only).

A handful of queries per person, each on `ix_interactions_person_timestamp` (or the sessions'
broadcaster index), the person's room rows read once for both per-session and per-hour figures:
nothing here loads a person's interactions into Python.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, literal_column, select, tuple_
from sqlalchemy.orm import Session

from mhc_core.db.models import Interaction, InteractionType, StreamSession
from mhc_core.services.amounts import TOKENS
from mhc_core.services.room_signals import ROOM_SOURCES, RoomSignals

_TIP = InteractionType.TIP_EVENT.value


@dataclass(frozen=True)
class SessionRow:
    """What a person did in one session (session_id None: room rows outside any session)."""

    session_id: int | None
    started_at: datetime | None
    tokens: int
    tips: int
    largest: int
    follows: int
    unfollows: int
    first_at: datetime
    last_at: datetime
    first_tip_at: datetime | None
    last_tip_at: datetime | None
    chat_messages: int = 0
    private_messages: int = 0


@dataclass(frozen=True)
class RoomHistory:
    """A person's room rows aggregated two ways in one pass: per session, and per hour of the week."""

    sessions: list[SessionRow]  # in start order, rows outside any session last
    hours: list[tuple[int, int, int]]  # (ISO weekday 1=Monday, hour 0-23, count), in the zone asked for

    def signals(self) -> RoomSignals:
        """The room figures `room_signals.for_person` reads, from the same rows (no second read)."""
        return RoomSignals(
            tip_tokens=sum(r.tokens for r in self.sessions), tips=sum(r.tips for r in self.sessions),
            chat_messages=sum(r.chat_messages for r in self.sessions),
            private_messages=sum(r.private_messages for r in self.sessions),
            sessions_attended=sum(1 for r in self.sessions if r.session_id is not None),
            last_seen_in_room=max((r.last_at for r in self.sessions), default=None),
        )


def room_history(session: Session, person_id: uuid.UUID, zone: str) -> RoomHistory:
    """Both aggregates from one read of the person's room rows (GROUPING SETS): a regular with tens of
    thousands of interactions is read once, not once per aggregate."""
    is_tip = Interaction.type == _TIP
    local = func.timezone(zone, Interaction.timestamp)
    day, hour = func.extract("isodow", local), func.extract("hour", local)
    by_hour = func.grouping(day, hour)  # 0 on the hour-of-week rows, 3 on the per-session rows
    rows = session.execute(
        select(
            by_hour,
            day,
            hour,
            func.count(),
            Interaction.stream_session_id,
            func.min(StreamSession.started_at),
            func.coalesce(func.sum(TOKENS).filter(is_tip), 0),
            func.count().filter(is_tip),
            func.coalesce(func.max(TOKENS).filter(is_tip), 0),
            func.count().filter(Interaction.type == InteractionType.FOLLOW.value),
            func.count().filter(Interaction.type == InteractionType.UNFOLLOW.value),
            func.min(Interaction.timestamp),
            func.max(Interaction.timestamp),
            func.min(Interaction.timestamp).filter(is_tip),
            func.max(Interaction.timestamp).filter(is_tip),
            func.count().filter(Interaction.type == InteractionType.CHAT_MESSAGE.value),
            func.count().filter(Interaction.type == InteractionType.PRIVATE_MESSAGE.value),
        )
        .outerjoin(StreamSession, StreamSession.id == Interaction.stream_session_id)
        .where(Interaction.person_id == person_id, Interaction.source.in_(ROOM_SOURCES))
        .group_by(func.grouping_sets(tuple_(Interaction.stream_session_id), tuple_(day, hour)))
    ).all()
    hours = [(int(r[1]), int(r[2]), int(r[3])) for r in rows if r[0] == 0]
    sessions = [SessionRow(r[4], r[5], int(r[6]), int(r[7]), int(r[8]), int(r[9]), int(r[10]), r[11], r[12], r[13],
                           r[14], int(r[15]), int(r[16])) for r in rows if r[0] != 0]
    sessions.sort(key=lambda r: (r.session_id is None, r.started_at or r.first_at, r.session_id or 0))
    return RoomHistory(sessions, hours)


def current_streak(session: Session, broadcaster: str, attended: list[int]) -> tuple[int, int]:
    """(consecutive most recent sessions of `broadcaster` attended, sessions the broadcaster has had)."""
    ordered = (
        select(StreamSession.id.label("id"),
               func.row_number().over(order_by=(StreamSession.started_at.desc(), StreamSession.id.desc()))
               .label("rn"))
        .where(StreamSession.broadcaster == broadcaster)
        .subquery()
    )
    missed = select(func.min(ordered.c.rn)).where(ordered.c.id.not_in(attended) if attended else literal_column("true"))
    total = select(func.count()).select_from(ordered)
    first_missed, count = session.execute(select(missed.scalar_subquery(), total.scalar_subquery())).one()
    return (int(count) if first_missed is None else int(first_missed) - 1), int(count)


def tips_between(
    session: Session, person_id: uuid.UUID, start: datetime | None, end: datetime | None
) -> tuple[int, int]:
    """(tokens, tips) the room recorded from the person in [start, end] (open where None)."""
    where = [Interaction.person_id == person_id, Interaction.source.in_(ROOM_SOURCES), Interaction.type == _TIP]
    if start is not None:
        where.append(Interaction.timestamp >= start)
    if end is not None:
        where.append(Interaction.timestamp <= end)
    tokens, tips = session.execute(select(func.coalesce(func.sum(TOKENS), 0), func.count()).where(and_(*where))).one()
    return int(tokens), int(tips)
