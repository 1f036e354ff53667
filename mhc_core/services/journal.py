"""Read-only queries over the event journal, for the health panel."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mhc_core.db.models import EventLog, ListenerState


@dataclass(frozen=True)
class JournalHealth:
    events: int
    errors: int
    last_event_at: datetime | None
    last_error: str | None
    cursor: str | None
    cursor_saved_at: datetime | None


def health(session: Session, broadcaster: str, *, since: datetime | None = None) -> JournalHealth:
    """Counts of journaled events and of those kept with an error (optionally since a time)."""
    where = [EventLog.broadcaster == broadcaster]
    if since is not None:
        where.append(EventLog.received_at >= since)
    events, errors, last = session.execute(
        select(func.count(), func.count().filter(EventLog.error.is_not(None)), func.max(EventLog.event_time))
        .where(*where)
    ).one()
    last_error = session.scalar(
        select(EventLog.error).where(*where, EventLog.error.is_not(None)).order_by(EventLog.id.desc()).limit(1)
    )
    state = session.execute(
        select(ListenerState.cursor, ListenerState.updated_at).where(ListenerState.broadcaster == broadcaster)
    ).first()
    return JournalHealth(int(events), int(errors), last, last_error,
                         state[0] if state else None, state[1] if state else None)


def recent_errors(session: Session, broadcaster: str, limit: int = 20) -> list[EventLog]:
    return list(session.scalars(
        select(EventLog).where(EventLog.broadcaster == broadcaster, EventLog.error.is_not(None))
        .order_by(EventLog.id.desc()).limit(limit)
    ))
