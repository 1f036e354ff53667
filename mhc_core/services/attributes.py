"""Attributes and tags: what the operator knows about a person, with confidence and evidence."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from mhc_core.channels import ATTRIBUTE
from mhc_core.db.models import Attribute, Confidence, Interaction, Person, Snapshot
from mhc_core.db.notify import person_changed

TAG = "tag"


class InvalidAttribute(ValueError):
    pass


# Evidence that names a stored row: an interaction or a snapshot, which must be the person's own.
EVIDENCE_INTERACTION, EVIDENCE_SNAPSHOT, EVIDENCE_MANUAL = "interaction", "snapshot", "manual"
_EVIDENCE_ROWS: dict[str, type[Interaction] | type[Snapshot]] = {
    EVIDENCE_INTERACTION: Interaction, EVIDENCE_SNAPSHOT: Snapshot,
}


def _check_evidence(session: Session, person_id: uuid.UUID, evidence_type: str | None,
                    evidence_id: str | None) -> None:
    """Evidence of an interaction or a snapshot names one of the person's own rows (InvalidAttribute)."""
    model = _EVIDENCE_ROWS.get((evidence_type or "").strip().lower())
    if model is None:
        return  # manual, or a free description from the console's form
    if evidence_id is None or not evidence_id.strip().isdigit() or len(evidence_id.strip()) > 18:
        raise InvalidAttribute(f"{evidence_type} evidence needs the id of one of the person's {evidence_type}s")
    owner = session.scalar(select(model.person_id).where(model.id == int(evidence_id.strip())))
    if owner is None:
        raise InvalidAttribute(f"there is no {evidence_type} {evidence_id.strip()}")
    if owner != person_id:
        raise InvalidAttribute(f"{evidence_type} {evidence_id.strip()} is about someone else")


def set_attribute(
    session: Session,
    person_id: uuid.UUID,
    key: str,
    value: str,
    *,
    confidence: str = Confidence.MEDIUM.value,
    evidence_type: str | None = None,
    evidence_id: str | None = None,
) -> Attribute:
    """Set the person's `key` to `value`: a key holds one value, so an attribute of the same key is
    replaced (its id kept, updated_at moved on); confidence and evidence are set with it."""
    key, value = key.strip().lower(), value.strip()
    if not key or not value:
        raise InvalidAttribute("an attribute needs a key and a value")
    try:
        level = Confidence(confidence.strip().lower()).value
    except ValueError:
        raise InvalidAttribute(f"confidence must be low, medium or high, not {confidence!r}") from None
    if evidence_type is not None:
        evidence_type = evidence_type.strip().lower() or None
    if evidence_id is not None:
        evidence_id = evidence_id.strip() or None
    _check_evidence(session, person_id, evidence_type, evidence_id)
    # One writer of a person's attributes at a time, so two settings of one key cannot both insert.
    session.execute(select(Person.id).where(Person.id == person_id).with_for_update())
    same_key = list(session.scalars(
        select(Attribute).where(Attribute.person_id == person_id, Attribute.key == key)
        .order_by((Attribute.value == value).desc(), Attribute.updated_at.desc(), Attribute.id)
    ))
    now = datetime.now(UTC)
    if same_key:
        attr, *older = same_key  # older: values kept before a key held one value
        for extra in older:
            session.delete(extra)
        session.flush()
        attr.value, attr.confidence, attr.updated_at = value, level, now
        attr.evidence_type, attr.evidence_id = evidence_type, evidence_id
    else:
        attr = Attribute(person_id=person_id, key=key, value=value, confidence=level,
                         evidence_type=evidence_type, evidence_id=evidence_id, created_at=now, updated_at=now)
        session.add(attr)
    session.flush()
    person_changed(session, person_id, ATTRIBUTE, attr.id)
    return attr


def by_key(session: Session, person_id: uuid.UUID, key: str) -> Attribute | None:
    return session.scalar(select(Attribute).where(Attribute.person_id == person_id,
                                                  Attribute.key == key.strip().lower()).limit(1))


def remove(session: Session, attribute_id: int) -> None:
    attr = session.get(Attribute, attribute_id)
    if attr is not None:
        session.delete(attr)
        session.flush()
        person_changed(session, attr.person_id, ATTRIBUTE, attribute_id)


def for_person(session: Session, person_id: uuid.UUID) -> list[Attribute]:
    return list(
        session.scalars(select(Attribute).where(Attribute.person_id == person_id).order_by(Attribute.key, Attribute.value))
    )


def remove_key(session: Session, person_id: uuid.UUID, key: str) -> int:
    """Remove the person's attribute `key` (every value, should older rows hold several); how many went."""
    found = list(session.scalars(select(Attribute).where(Attribute.person_id == person_id,
                                                         Attribute.key == key.strip().lower())))
    for attr in found:
        session.delete(attr)
    session.flush()
    for attr in found:
        person_changed(session, person_id, ATTRIBUTE, attr.id)
    return len(found)
