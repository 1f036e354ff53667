"""The recap of a stream session: its figures beside those of the broadcaster's previous sessions.

The figures that sessions already compute (duration, tokens, tips, top tippers, follows, unfollows)
come from `sessions.stats_many`, so a recap never disagrees with the sessions list; this module adds
the biggest tip, who was there (new or returning) and the viewer counts of the Chaturbate Stats API.
Everything is read for the session and its previous ones together, in a few grouped queries.
Excluded persons are left out, as in every session figure.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import and_, exists, func, select
from sqlalchemy.orm import Session, aliased

from mhc_core.db.models import Interaction, InteractionType, Person, Snapshot, SnapshotSource, StreamSession
from mhc_core.services import persons, sessions
from mhc_core.services.amounts import TOKENS, VIEWERS
from mhc_core.services.room_signals import ROOM_SOURCES

# How many earlier sessions a recap compares with.
PREVIOUS = 5


@dataclass(frozen=True)
class RecapFigures:
    """One session's recap figures; peak and average viewers are None without a Stats API reading."""

    stats: sessions.SessionStats
    biggest_tip: int
    viewers: int
    new_viewers: int
    peak_viewers: int | None
    average_viewers: float | None
    stats_samples: int

    @property
    def returning_viewers(self) -> int:
        return self.viewers - self.new_viewers


@dataclass(frozen=True)
class Recap:
    session: RecapFigures
    previous: list[RecapFigures]  # newest first


def previous_sessions(session: Session, stream_session: StreamSession, *, limit: int = PREVIOUS) -> list[StreamSession]:
    """The broadcaster's sessions started before this one, newest first."""
    return list(session.scalars(
        select(StreamSession)
        .where(StreamSession.broadcaster == stream_session.broadcaster,
               StreamSession.started_at < stream_session.started_at)
        .order_by(StreamSession.started_at.desc(), StreamSession.id.desc())
        .limit(limit)
    ))


def _presence(session: Session, ids: list[int]) -> dict[int, tuple[int, int, int]]:
    """Per session: (biggest tip, viewers, new viewers), in one query.

    A viewer is anyone (not excluded, not the broadcaster) with a room interaction in the session; a
    new one has no room interaction before their first in it, in any other session or none.
    """
    room = Interaction.source.in_(ROOM_SOURCES)
    tip = func.max(TOKENS).filter(Interaction.type == InteractionType.TIP_EVENT.value)
    visits = (
        select(
            Interaction.stream_session_id.label("sid"),
            Interaction.person_id.label("person_id"),
            func.coalesce(tip, 0).label("biggest_tip"),
            func.min(Interaction.timestamp).filter(room).label("first_at"),
            (Person.username != StreamSession.broadcaster).label("not_broadcaster"),
        )
        .join(Person, Person.id == Interaction.person_id)
        .join(StreamSession, StreamSession.id == Interaction.stream_session_id)
        .where(Interaction.stream_session_id.in_(ids), Person.is_excluded.is_(False))
        .group_by(Interaction.stream_session_id, Interaction.person_id, Person.username, StreamSession.broadcaster)
        .subquery()
    )
    earlier = aliased(Interaction)
    is_viewer = and_(visits.c.first_at.is_not(None), visits.c.not_broadcaster)
    is_new = ~exists().where(
        earlier.person_id == visits.c.person_id,
        earlier.source.in_(ROOM_SOURCES),
        earlier.timestamp < visits.c.first_at,
        earlier.stream_session_id.is_distinct_from(visits.c.sid),
    )
    rows = session.execute(
        select(
            visits.c.sid,
            func.max(visits.c.biggest_tip),
            func.count().filter(is_viewer),
            func.count().filter(is_viewer, is_new),
        ).group_by(visits.c.sid)
    ).all()
    return {sid: (int(tip_), int(viewers), int(new)) for sid, tip_, viewers, new in rows}


def _audience(
    session: Session, broadcaster: str, listed: list[StreamSession], now: datetime
) -> dict[int, tuple[int | None, float | None, int]]:
    """Per session: (peak, average, readings) of the Stats API's viewer count captured in
    [started_at, ended_at] (until `now` while LIVE), on the broadcaster's own person, in one query."""
    me = persons.find_person(session, broadcaster)
    if me is None:
        return {}
    ids = [s.id for s in listed]
    rows = session.execute(
        select(StreamSession.id, func.max(VIEWERS), func.avg(VIEWERS), func.count(VIEWERS))
        .join(Snapshot, and_(
            Snapshot.person_id == me.id,
            Snapshot.source == SnapshotSource.CB_STATS.value,
            Snapshot.captured_at >= StreamSession.started_at,
            Snapshot.captured_at <= func.coalesce(StreamSession.ended_at, now),
        ))
        .where(StreamSession.id.in_(ids))
        .group_by(StreamSession.id)
    ).all()
    return {
        sid: (None if peak is None else int(peak), None if avg is None else round(float(avg), 1), int(n))
        for sid, peak, avg, n in rows
    }


def recap(session: Session, stream_session: StreamSession, *, now: datetime | None = None) -> Recap:
    """The session's figures (so far, while LIVE) and those of its `PREVIOUS` previous sessions."""
    now = now or datetime.now(UTC)
    listed = [stream_session, *previous_sessions(session, stream_session)]
    ids = [s.id for s in listed]
    base = sessions.stats_many(session, listed, now=now, top=5)
    presence = _presence(session, ids)
    audience = _audience(session, stream_session.broadcaster, listed, now)
    figures = []
    for stats in base:
        biggest, viewers, new = presence.get(stats.session.id, (0, 0, 0))
        peak, average, samples = audience.get(stats.session.id, (None, None, 0))
        figures.append(RecapFigures(stats=stats, biggest_tip=biggest, viewers=viewers, new_viewers=new,
                                    peak_viewers=peak, average_viewers=average, stats_samples=samples))
    return Recap(session=figures[0], previous=figures[1:])
