"""A person as the screens show it: plain data read in a worker thread, safe to hand to the UI thread.

ORM objects are not passed to the UI: their session is closed by then and lazy loads would hit the
database from the event loop.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from mhc_core.db.models import InteractionType
from mhc_core.services import attributes, interactions, persons, room_signals, snapshots, watchlists
from mhc_core.services.room_signals import RoomSignals


@dataclass(frozen=True)
class Alias:
    username: str
    valid_from: datetime
    valid_to: datetime | None


@dataclass(frozen=True)
class StatReading:
    source: str
    captured_at: datetime
    metrics: dict[str, Any]
    delta: dict[str, int | float | None] | None


@dataclass(frozen=True)
class Note:
    id: int
    timestamp: datetime
    content: str


@dataclass(frozen=True)
class AttributeRow:
    id: int
    key: str
    value: str
    confidence: str
    evidence_type: str | None
    evidence_id: str | None


@dataclass(frozen=True)
class ListState:
    id: int
    name: str
    member: bool


@dataclass(frozen=True)
class PersonData:
    id: uuid.UUID
    username: str
    role: str
    rid: int | None
    did: int | None
    first_seen_at: datetime
    last_seen_at: datetime
    is_excluded: bool
    aliases: list[Alias]
    readings: list[StatReading]
    notes: list[Note]
    notes_total: int
    attributes: list[AttributeRow]
    lists: list[ListState]
    room: RoomSignals | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def list_names(self) -> list[str]:
        return [item.name for item in self.lists if item.member]


def load_person(
    session: Session, person_id: uuid.UUID, *, room: bool = True, notes_limit: int = 200
) -> PersonData | None:
    person = persons.get_person(session, person_id)
    if person is None:
        return None
    readings = [
        StatReading(source, r.snapshot.captured_at, dict(r.snapshot.normalized_metrics), r.delta)
        for source, r in snapshots.latest_readings(session, person.id).items()
    ]
    page = interactions.by_person(
        session, person.id, types=[InteractionType.MANUAL_NOTE.value], limit=notes_limit
    )
    member_of = set(watchlists.names_for(session, person.id))
    return PersonData(
        id=person.id,
        username=person.username,
        role=person.role,
        rid=person.rid,
        did=person.did,
        first_seen_at=person.first_seen_at,
        last_seen_at=person.last_seen_at,
        is_excluded=person.is_excluded,
        aliases=[Alias(a.username, a.valid_from, a.valid_to) for a in person.aliases],
        readings=readings,
        notes=[Note(i.id, i.timestamp, i.content or "") for i in page.items],
        notes_total=page.total,
        attributes=[
            AttributeRow(a.id, a.key, a.value, a.confidence, a.evidence_type, a.evidence_id)
            for a in attributes.for_person(session, person.id)
        ],
        lists=[ListState(w.id, w.name, w.name in member_of) for w in watchlists.all_lists(session)],
        room=room_signals.for_person(session, person.id) if room else None,
    )
