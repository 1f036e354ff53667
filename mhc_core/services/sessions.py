"""Stream sessions: one broadcast, started and ended by hand or by the room's own events.

Every figure here is computed from interactions, so it can always be traced to stored rows.
Excluded persons are left out of every aggregate.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, FunctionFilter, and_, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from mhc_core.db.models import (
    Interaction,
    InteractionType,
    Person,
    SessionOrigin,
    SessionStatus,
    StreamSession,
)
from mhc_core.db.notify import CHANNEL_SESSIONS, notify
from mhc_core.services.amounts import TOKENS


class SessionError(Exception):
    """A session action that cannot be done now; the message says why."""


class SessionAlreadyLive(SessionError):
    def __init__(self, live: StreamSession) -> None:
        self.live = live
        super().__init__(
            f"session {live.id} is already LIVE since {live.started_at:%Y-%m-%d %H:%M} UTC; end it first"
        )


class NoLiveSession(SessionError):
    def __init__(self, broadcaster: str) -> None:
        super().__init__(f"no LIVE session for {broadcaster}")


def current(session: Session, broadcaster: str) -> StreamSession | None:
    return session.scalar(
        select(StreamSession).where(
            StreamSession.broadcaster == broadcaster, StreamSession.status == SessionStatus.LIVE
        )
    )


def get(session: Session, session_id: int) -> StreamSession | None:
    return session.get(StreamSession, session_id)


def start(
    session: Session, broadcaster: str, *, at: datetime | None = None, origin: str = SessionOrigin.MANUAL.value
) -> StreamSession:
    live = current(session, broadcaster)
    if live is not None:
        raise SessionAlreadyLive(live)
    when = at or datetime.now(UTC)
    new = StreamSession(
        broadcaster=broadcaster, started_at=when, status=SessionStatus.LIVE.value,
        origin=SessionOrigin(origin).value,
    )
    try:
        with session.begin_nested():  # the partial unique index is the final word between two processes
            session.add(new)
            session.flush()
    except IntegrityError:
        live = current(session, broadcaster)
        if live is None:
            raise
        raise SessionAlreadyLive(live) from None
    notify(session, CHANNEL_SESSIONS, {"broadcaster": broadcaster, "id": new.id, "status": new.status})
    return new


def end(session: Session, broadcaster: str, *, at: datetime | None = None) -> StreamSession:
    live = current(session, broadcaster)
    if live is None:
        raise NoLiveSession(broadcaster)
    when = max(at or datetime.now(UTC), live.started_at)
    live.ended_at = when
    live.status = SessionStatus.ENDED.value
    live.updated_at = datetime.now(UTC)
    session.flush()
    notify(session, CHANNEL_SESSIONS, {"broadcaster": broadcaster, "id": live.id, "status": live.status})
    return live


def last_ended(session: Session, broadcaster: str) -> StreamSession | None:
    return session.scalar(
        select(StreamSession)
        .where(StreamSession.broadcaster == broadcaster, StreamSession.status == SessionStatus.ENDED)
        .order_by(StreamSession.ended_at.desc())
        .limit(1)
    )


def reopen(session: Session, stream_session: StreamSession) -> StreamSession:
    """Continue an ended session (a broadcast restarted within the merge gap is one stream)."""
    live = current(session, stream_session.broadcaster)
    if live is not None:
        raise SessionAlreadyLive(live)
    stream_session.status = SessionStatus.LIVE.value
    stream_session.ended_at = None
    stream_session.updated_at = datetime.now(UTC)
    session.flush()
    notify(session, CHANNEL_SESSIONS, {"broadcaster": stream_session.broadcaster, "id": stream_session.id,
                                       "status": stream_session.status})
    return stream_session


def list_sessions(session: Session, broadcaster: str, *, limit: int = 20, offset: int = 0) -> list[StreamSession]:
    return list(
        session.scalars(
            select(StreamSession)
            .where(StreamSession.broadcaster == broadcaster)
            .order_by(StreamSession.started_at.desc(), StreamSession.id.desc())
            .limit(limit).offset(offset)
        )
    )


@dataclass
class SessionStats:
    session: StreamSession
    duration_seconds: int
    tokens: int = 0
    tips: int = 0
    chat_messages: int = 0
    private_messages: int = 0
    unique_chatters: int = 0
    follows: int = 0
    unfollows: int = 0
    media_tokens: int = 0
    top_tippers: list[dict[str, Any]] = field(default_factory=list)


# Tokens live in interaction metadata; anything that is not a JSON number counts as nothing.


def counted_in(ids: Collection[int]) -> ColumnElement[bool]:
    """What a session figure counts: the sessions' interactions by persons not excluded (join Person)."""
    return and_(Interaction.stream_session_id.in_(ids), Person.is_excluded.is_(False))


def _count(kind: InteractionType) -> FunctionFilter[int]:
    return func.count().filter(Interaction.type == kind.value)


def stats_many(
    session: Session, sessions: list[StreamSession], *, now: datetime | None = None, top: int = 5
) -> list[SessionStats]:
    """Stats for several sessions in two queries (no per-session round trips)."""
    if not sessions:
        return []
    now = now or datetime.now(UTC)
    ids = [s.id for s in sessions]
    counted = counted_in(ids)
    rows = session.execute(
        select(
            Interaction.stream_session_id,
            func.coalesce(func.sum(TOKENS).filter(Interaction.type == InteractionType.TIP_EVENT.value), 0),
            _count(InteractionType.TIP_EVENT),
            _count(InteractionType.CHAT_MESSAGE),
            _count(InteractionType.PRIVATE_MESSAGE),
            func.count(func.distinct(Interaction.person_id)).filter(
                Interaction.type == InteractionType.CHAT_MESSAGE.value,
                Person.username != StreamSession.broadcaster,
            ),
            _count(InteractionType.FOLLOW),
            _count(InteractionType.UNFOLLOW),
            func.coalesce(
                func.sum(TOKENS).filter(Interaction.type == InteractionType.MEDIA_PURCHASE.value), 0
            ),
        )
        .join(Person, Person.id == Interaction.person_id)
        .join(StreamSession, StreamSession.id == Interaction.stream_session_id)
        .where(counted)
        .group_by(Interaction.stream_session_id)
    ).all()
    by_id = {row[0]: row[1:] for row in rows}

    tipped = func.sum(TOKENS).label("tokens")
    ranked = (
        select(
            Interaction.stream_session_id.label("sid"),
            Person.username.label("username"),
            tipped,
            func.row_number().over(
                partition_by=Interaction.stream_session_id,
                order_by=(func.sum(TOKENS).desc(), Person.username),
            ).label("rank"),
        )
        .join(Person, Person.id == Interaction.person_id)
        .where(counted, Interaction.type == InteractionType.TIP_EVENT.value)
        .group_by(Interaction.stream_session_id, Person.username)
        .subquery()
    )
    tops: dict[int, list[dict[str, Any]]] = {}
    for sid, username, tokens, _rank in session.execute(
        select(ranked).where(ranked.c.rank <= top).order_by(ranked.c.sid, ranked.c.rank)
    ):
        tops.setdefault(sid, []).append({"username": username, "tokens": int(tokens)})

    out = []
    for s in sessions:
        end_at = s.ended_at or now
        values = by_id.get(s.id)
        stats = SessionStats(session=s, duration_seconds=max(0, int((end_at - s.started_at).total_seconds())))
        if values:
            (stats.tokens, stats.tips, stats.chat_messages, stats.private_messages, stats.unique_chatters,
             stats.follows, stats.unfollows, stats.media_tokens) = (int(v) for v in values)
        stats.top_tippers = tops.get(s.id, [])
        out.append(stats)
    return out


def stats(session: Session, stream_session: StreamSession, *, now: datetime | None = None) -> SessionStats:
    return stats_many(session, [stream_session], now=now)[0]


def live_session_at(session: Session, broadcaster: str, when: datetime) -> int | None:
    """The LIVE session an interaction at `when` belongs to, if any."""
    return session.scalar(
        select(StreamSession.id).where(
            StreamSession.broadcaster == broadcaster,
            StreamSession.status == SessionStatus.LIVE,
            StreamSession.started_at <= when,
        )
    )
