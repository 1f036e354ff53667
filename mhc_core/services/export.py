"""Export: every interaction of a stream session or of a person, oldest first, with each one's username."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from mhc_core.db.models import Interaction, Person
from mhc_core.services import interactions


def session_rows(session: Session, stream_session_id: int) -> list[tuple[Interaction, str]]:
    """All of a session's interactions in time order (every type), with the person's current name."""
    return interactions.by_session(session, stream_session_id)


def person_rows(session: Session, person_id: uuid.UUID) -> list[tuple[Interaction, str]]:
    """All of a person's interactions in time order (every type and source), with their current name."""
    stmt = (
        select(Interaction, Person.username)
        .join(Person, Person.id == Interaction.person_id)
        .where(Interaction.person_id == person_id)
        .order_by(Interaction.timestamp, Interaction.id)
    )
    return [(row[0], row[1]) for row in session.execute(stmt)]
