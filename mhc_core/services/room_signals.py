"""What a person did in the broadcaster's own room, computed from stored interactions (read-only).

Room data is what the Events API captured (`cb_events`) or a pasted room transcript (`transcript`);
Statbate and the operator's own notes are not the room.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mhc_core.db.models import Interaction, InteractionSource, InteractionType
from mhc_core.services.amounts import TOKENS

ROOM_SOURCES = (InteractionSource.CB_EVENTS.value, InteractionSource.TRANSCRIPT.value)

# Tokens live in interaction metadata; anything that is not a JSON number counts as nothing.


@dataclass(frozen=True)
class RoomSignals:
    tip_tokens: int
    tips: int
    chat_messages: int
    private_messages: int
    sessions_attended: int
    last_seen_in_room: datetime | None

    @property
    def any(self) -> bool:
        return self.last_seen_in_room is not None


def for_person(session: Session, person_id: uuid.UUID) -> RoomSignals:
    """Tips (tokens and count), messages, sessions attended and last time seen, in one query."""
    is_tip = Interaction.type == InteractionType.TIP_EVENT.value
    row = session.execute(
        select(
            func.coalesce(func.sum(TOKENS).filter(is_tip), 0),
            func.count().filter(is_tip),
            func.count().filter(Interaction.type == InteractionType.CHAT_MESSAGE.value),
            func.count().filter(Interaction.type == InteractionType.PRIVATE_MESSAGE.value),
            func.count(func.distinct(Interaction.stream_session_id)),
            func.max(Interaction.timestamp),
        ).where(Interaction.person_id == person_id, Interaction.source.in_(ROOM_SOURCES))
    ).one()
    return RoomSignals(
        tip_tokens=int(row[0]), tips=int(row[1]), chat_messages=int(row[2]), private_messages=int(row[3]),
        sessions_attended=int(row[4]), last_seen_in_room=row[5],
    )
