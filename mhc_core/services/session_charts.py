"""What the dashboard charts draw: a session's tips per five minutes beside its previous session's, and
the broadcaster's viewer count from the Stats API over the session.

The session is the LIVE one, else the latest. Tokens are counted as every session figure counts them
(`sessions.counted_in`: excluded persons are left out) and viewers are read as the recap reads them, so
a chart never disagrees with the session bar or the recap. One grouped query per series.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mhc_core.db.models import (
    Interaction,
    InteractionType,
    Person,
    SessionStatus,
    Snapshot,
    SnapshotSource,
    StreamSession,
)
from mhc_core.services import persons, recap, sessions
from mhc_core.services.amounts import TOKENS, VIEWERS

BUCKET_SECONDS = 300


@dataclass(frozen=True)
class ChartSession:
    id: int
    started_at: datetime
    ended_at: datetime | None
    live: bool
    buckets: dict[int, int]  # bucket number (minutes // 5 since the start) -> tokens; empty buckets absent


@dataclass(frozen=True)
class Charts:
    session: ChartSession | None  # the LIVE session, else the latest; None before the first
    previous: ChartSession | None
    viewers: list[tuple[datetime, int]]  # the session's Stats API readings, oldest first
    now: datetime


def _buckets(session: Session, listed: list[StreamSession]) -> dict[int, dict[int, int]]:
    """Per session: tokens tipped in each five-minute bucket since its start, in one query."""
    since = func.extract("epoch", Interaction.timestamp - StreamSession.started_at)
    bucket = func.greatest(func.floor(since / BUCKET_SECONDS), 0).label("bucket")
    rows = session.execute(
        select(Interaction.stream_session_id, bucket, func.sum(TOKENS))
        .join(Person, Person.id == Interaction.person_id)
        .join(StreamSession, StreamSession.id == Interaction.stream_session_id)
        .where(sessions.counted_in([s.id for s in listed]), Interaction.type == InteractionType.TIP_EVENT.value)
        .group_by(Interaction.stream_session_id, bucket)
    ).all()
    out: dict[int, dict[int, int]] = {}
    for sid, number, tokens in rows:
        out.setdefault(sid, {})[int(number)] = int(tokens)
    return out


def _viewers(session: Session, stream_session: StreamSession, now: datetime) -> list[tuple[datetime, int]]:
    """The broadcaster's cb_stats viewer counts captured in the session (until `now` while LIVE)."""
    me = persons.find_person(session, stream_session.broadcaster)
    if me is None:
        return []
    rows = session.execute(
        select(Snapshot.captured_at, VIEWERS)
        .where(Snapshot.person_id == me.id, Snapshot.source == SnapshotSource.CB_STATS.value,
               Snapshot.captured_at >= stream_session.started_at,
               Snapshot.captured_at <= (stream_session.ended_at or now),
               VIEWERS.is_not(None))
        .order_by(Snapshot.captured_at, Snapshot.id)
    ).all()
    return [(at, int(count)) for at, count in rows]


def _chart(found: StreamSession, buckets: dict[int, dict[int, int]]) -> ChartSession:
    return ChartSession(id=found.id, started_at=found.started_at, ended_at=found.ended_at,
                        live=found.status == SessionStatus.LIVE.value, buckets=buckets.get(found.id, {}))


def charts(session: Session, broadcaster: str, *, now: datetime | None = None) -> Charts:
    now = now or datetime.now(UTC)
    found = sessions.current(session, broadcaster)
    if found is None:
        latest = sessions.list_sessions(session, broadcaster, limit=1)
        found = latest[0] if latest else None
    if found is None:
        return Charts(session=None, previous=None, viewers=[], now=now)
    before = recap.previous_sessions(session, found, limit=1)
    buckets = _buckets(session, [found, *before])
    return Charts(session=_chart(found, buckets), previous=_chart(before[0], buckets) if before else None,
                  viewers=_viewers(session, found, now), now=now)
