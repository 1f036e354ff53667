"""Whether the Events API token may lack its full scope, judged from stored rows.

A token with only the "Events API (public)" scope receives chat but never a tip or a private message.
So when the last ended broadcast had chat from others and no tip or private message was captured from
its start until now, the console says the token may lack the full scope. A tip or a private message in
that broadcast or any time after it clears the hint; a broadcast still LIVE is not judged yet.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, exists, false, func, select
from sqlalchemy.orm import Session

from mhc_core.db.models import (
    Interaction,
    InteractionSource,
    InteractionType,
    Person,
    SessionStatus,
    StreamSession,
)
from mhc_core.services.persons import PLATFORM

# Chat from others in the last broadcast before its lack of tips says anything (a quiet room proves nothing).
SCOPE_CHAT_MIN = 20
# What only a token with the full scope receives.
PRIVATE_EVENTS = (InteractionType.TIP_EVENT.value, InteractionType.PRIVATE_MESSAGE.value)
# What the token itself delivered: pasted transcripts and notes say nothing about its scope.
_CAPTURED = InteractionSource.CB_EVENTS.value


def scope_hint_expr(broadcaster: str, *, chat_min: int = SCOPE_CHAT_MIN) -> ColumnElement[bool]:
    """The hint as one SQL expression (false when there is no ended broadcast), for the health line's read."""
    last = (
        select(StreamSession.id, StreamSession.started_at)
        .where(StreamSession.broadcaster == broadcaster, StreamSession.status == SessionStatus.ENDED.value)
        .order_by(StreamSession.started_at.desc(), StreamSession.id.desc())
        .limit(1)
        .subquery("last_ended")
    )
    me = (select(Person.id).where(Person.platform == PLATFORM, Person.username == broadcaster)
          .limit(1).scalar_subquery())
    # Counting stops at chat_min: a busy broadcast costs no more than a quiet one.
    chat = (
        select(Interaction.id)
        .where(Interaction.stream_session_id == last.c.id, Interaction.type == InteractionType.CHAT_MESSAGE.value,
               Interaction.source == _CAPTURED, Interaction.person_id.is_distinct_from(me))
        .limit(chat_min)
        .correlate(last)
        .subquery("chat")
    )
    chatted = select(func.count()).select_from(chat).scalar_subquery() >= chat_min
    # Every interaction linked to a session is at or after its start (capture links only those), so
    # "since it started" is "in it, or after it"; the (type, timestamp) index answers it.
    private_seen = exists().where(
        Interaction.type.in_(PRIVATE_EVENTS), Interaction.source == _CAPTURED,
        Interaction.timestamp >= last.c.started_at,
    ).correlate(last)
    judged = select(chatted & ~private_seen).select_from(last).scalar_subquery()
    return func.coalesce(judged, false())


def may_lack_full_scope(session: Session, broadcaster: str, *, chat_min: int = SCOPE_CHAT_MIN) -> bool:
    """True when the last ended broadcast had chat from others and no tip or private message since it began."""
    return bool(session.scalar(select(scope_hint_expr(broadcaster, chat_min=chat_min))))
