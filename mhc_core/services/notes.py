"""Notes: the operator's own words about a person, kept as MANUAL_NOTE interactions."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.orm import Session

from mhc_core.channels import NOTE
from mhc_core.db.models import Interaction, InteractionSource, InteractionType, Person
from mhc_core.db.notify import person_changed
from mhc_core.services import interactions, sessions


class EmptyNote(ValueError):
    def __init__(self) -> None:
        super().__init__("a note needs some text")


def add_note(
    session: Session, person: Person, text: str, *, broadcaster: str | None = None, at: datetime | None = None
) -> Interaction:
    """Append a note; a note taken during a LIVE session is linked to it. NotText if it is not text."""
    body = interactions.storable_text(text, "the note").strip()
    if not body:
        raise EmptyNote()
    when = at or datetime.now(UTC)
    live_id = sessions.live_session_at(session, broadcaster, when) if broadcaster else None
    note = interactions.append(
        session, person.id, InteractionType.MANUAL_NOTE.value, content=body, timestamp=when,
        source=InteractionSource.MANUAL.value, stream_session_id=live_id,
    )
    person_changed(session, person.id, NOTE, note.id)
    return note
