"""The JSON shapes the `mhc` command prints and the console shows: PERSON, SESSION, the broadcaster view."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from mhc_core.db.models import Person, SnapshotSource
from mhc_core.services import attributes, interactions, persons, sessions, snapshots, watchlists


def _iso(when: datetime | None) -> str | None:
    return when.isoformat() if when else None


def person_json(session: Session, person: Person, *, recent: int = 20) -> dict[str, Any]:
    page = interactions.by_person(session, person.id, limit=recent)
    return {
        "id": str(person.id),
        "username": person.username,
        "role": person.role,
        "rid": person.rid,
        "did": person.did,
        "is_excluded": person.is_excluded,
        "aliases": [
            {"username": a.username, "valid_from": _iso(a.valid_from), "valid_to": _iso(a.valid_to)}
            for a in person.aliases
        ],
        "first_seen_at": _iso(person.first_seen_at),
        "last_seen_at": _iso(person.last_seen_at),
        "snapshots": {src: r.as_json() for src, r in snapshots.latest_readings(session, person.id).items()},
        "recent_interactions": [interactions.as_json(i) for i in page.items],
        "watchlists": watchlists.names_for(session, person.id),
        "attributes": [attributes.as_json(a) for a in attributes.for_person(session, person.id)],
    }


def session_json(session: Session, stream_session: Any, *, with_interactions: bool = False) -> dict[str, Any]:
    out = sessions.stats(session, stream_session).as_json()
    if with_interactions:
        out["interactions"] = [
            {"username": username, **interactions.as_json(i)}
            for i, username in interactions.by_session(session, stream_session.id)
        ]
    return out


def hudson_json(session: Session, broadcaster: str, *, recent: int = 20) -> dict[str, Any]:
    """The broadcaster's own view: his latest Chaturbate stats, his sessions, and what just happened."""
    me = persons.find_person(session, broadcaster)
    reading = snapshots.latest_reading(session, me.id, SnapshotSource.CB_STATS.value) if me else None
    live = sessions.current(session, broadcaster)
    recent_sessions = sessions.list_sessions(session, broadcaster, limit=10)
    return {
        "broadcaster": broadcaster,
        "stats": reading.as_json() if reading else None,
        "current_session": sessions.stats(session, live).as_json() if live else None,
        "recent_sessions": [s.as_json() for s in sessions.stats_many(session, recent_sessions)],
        "recent_interactions": [
            {"username": username, **interactions.as_json(i)}
            for i, username in interactions.recent(session, limit=recent)
        ],
    }
