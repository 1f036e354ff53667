"""Attributes and tags: what the operator knows about a person, with confidence and evidence."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from mhc_core.channels import ATTRIBUTE
from mhc_core.db.models import Attribute, Confidence
from mhc_core.db.notify import person_changed

TAG = "tag"


class InvalidAttribute(ValueError):
    pass


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
    """Add an attribute, or update confidence and evidence of the same key and value."""
    key, value = key.strip().lower(), value.strip()
    if not key or not value:
        raise InvalidAttribute("an attribute needs a key and a value")
    try:
        level = Confidence(confidence.strip().lower()).value
    except ValueError:
        raise InvalidAttribute(f"confidence must be low, medium or high, not {confidence!r}") from None
    now = datetime.now(UTC)
    stmt = insert(Attribute).values(
        person_id=person_id, key=key, value=value, confidence=level,
        evidence_type=evidence_type, evidence_id=evidence_id,
    ).on_conflict_do_update(
        index_elements=[Attribute.person_id, Attribute.key, Attribute.value],
        set_={"confidence": level, "evidence_type": evidence_type, "evidence_id": evidence_id, "updated_at": now},
    ).returning(Attribute.id)
    attr_id = session.scalar(stmt)
    attr = session.get(Attribute, attr_id, populate_existing=True)
    assert attr is not None
    person_changed(session, person_id, ATTRIBUTE, attr.id)
    return attr


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
