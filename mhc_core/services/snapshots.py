"""Snapshots: append-only readings of a person's metrics, and the deltas between them."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeGuard

from sqlalchemy import select
from sqlalchemy.orm import Session

from mhc_core.db.models import Snapshot, SnapshotSource


def _is_number(value: Any) -> TypeGuard[int | float]:
    return isinstance(value, int | float) and not isinstance(value, bool)


def delta(old: dict[str, Any] | None, new: dict[str, Any] | None) -> dict[str, int | float | None]:
    """Per metric: new - old when both are numbers, else None (missing, null or non-numeric)."""
    old, new = old or {}, new or {}
    out: dict[str, int | float | None] = {}
    for key in sorted(set(old) | set(new)):
        a, b = old.get(key), new.get(key)
        out[key] = b - a if _is_number(a) and _is_number(b) else None
    return out


def append(
    session: Session,
    person_id: uuid.UUID,
    source: str,
    raw_payload: Any,
    metrics: dict[str, Any],
    *,
    captured_at: datetime | None = None,
) -> Snapshot:
    snapshot = Snapshot(
        person_id=person_id,
        source=SnapshotSource(source).value,
        raw_payload=raw_payload,
        normalized_metrics=metrics,
        captured_at=captured_at or datetime.now(UTC),
    )
    session.add(snapshot)
    session.flush()
    return snapshot


def recent(session: Session, person_id: uuid.UUID, source: str, limit: int = 2) -> list[Snapshot]:
    """Newest first."""
    return list(
        session.scalars(
            select(Snapshot)
            .where(Snapshot.person_id == person_id, Snapshot.source == source)
            .order_by(Snapshot.captured_at.desc(), Snapshot.id.desc())
            .limit(limit)
        )
    )


def latest(session: Session, person_id: uuid.UUID, source: str) -> Snapshot | None:
    found = recent(session, person_id, source, limit=1)
    return found[0] if found else None


@dataclass(frozen=True)
class Reading:
    """The latest snapshot of one source with its change since the one before (None if it is the first)."""

    snapshot: Snapshot
    delta: dict[str, int | float | None] | None


def latest_reading(session: Session, person_id: uuid.UUID, source: str) -> Reading | None:
    pair = recent(session, person_id, source, limit=2)
    if not pair:
        return None
    previous = pair[1].normalized_metrics if len(pair) > 1 else None
    return Reading(pair[0], delta(previous, pair[0].normalized_metrics) if previous is not None else None)


def latest_readings(session: Session, person_id: uuid.UUID) -> dict[str, Reading]:
    readings = {}
    for source in SnapshotSource:
        reading = latest_reading(session, person_id, source.value)
        if reading is not None:
            readings[source.value] = reading
    return readings


def reading_since(session: Session, person_id: uuid.UUID, source: str, since: datetime) -> dict | None:
    """Change from the last snapshot taken at or before `since` to the latest one (e.g. since session start)."""
    base = session.scalar(
        select(Snapshot)
        .where(Snapshot.person_id == person_id, Snapshot.source == source, Snapshot.captured_at <= since)
        .order_by(Snapshot.captured_at.desc(), Snapshot.id.desc())
        .limit(1)
    )
    newest = latest(session, person_id, source)
    if base is None or newest is None:
        return None
    return delta(base.normalized_metrics, newest.normalized_metrics)


def timeline(session: Session, person_id: uuid.UUID, source: str, limit: int = 200) -> list[Reading]:
    """Consecutive deltas, oldest first: each snapshot with its change since the one before it."""
    snaps = list(reversed(recent(session, person_id, source, limit=limit + 1)))
    out: list[Reading] = []
    for i, snap in enumerate(snaps):
        if i == 0 and len(snaps) > limit:
            continue  # only there to give the first shown row its delta
        prev = snaps[i - 1].normalized_metrics if i > 0 else None
        out.append(Reading(snap, delta(prev, snap.normalized_metrics) if prev is not None else None))
    return out
