"""Lookup: resolve (or create) the person behind a name or a paste, and remember the paste."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from mhc_core.channels import LOOKED_UP
from mhc_core.db.models import InteractionSource, InteractionType, Person, Role
from mhc_core.db.notify import person_changed
from mhc_core.services import interactions, persons
from mhc_core.username import require_username

# The largest paste kept (UTF-8 bytes): a chat history or profile page is far smaller; more is a mistake.
PASTE_MAX_BYTES = 1_000_000


class NothingToLookUp(ValueError):
    pass


class PasteTooLarge(ValueError):
    def __init__(self) -> None:
        super().__init__(f"the paste is larger than 1 MB ({PASTE_MAX_BYTES} bytes); nothing stored")


def paste_text(raw: bytes | str) -> str:
    """A paste as the text to keep: at most PASTE_MAX_BYTES of UTF-8 text, else PasteTooLarge or NotText.

    A reader may hand in PASTE_MAX_BYTES + 1 bytes read from a larger source: that is refused too.
    """
    if len(raw) > PASTE_MAX_BYTES or (
        isinstance(raw, str) and len(raw.encode("utf-8", "surrogatepass")) > PASTE_MAX_BYTES
    ):
        raise PasteTooLarge()
    return interactions.storable_text(raw, "the paste")


@dataclass
class LookupResult:
    person: Person | None
    extracted_usernames: list[str]
    persons: list[Person] = field(default_factory=list)
    errors: list[dict[str, str]] = field(default_factory=list)


def parse_role(raw: str | None) -> str | None:
    if raw is None:
        return None
    try:
        return Role(raw.strip().upper()).value
    except ValueError:
        raise ValueError(f"role must be one of {', '.join(r.value for r in Role)}, not {raw!r}") from None


def plan_names(
    *, username: str | None, paste: str | None, broadcaster: str | None
) -> tuple[list[str], list[str]]:
    """(names to resolve, primary first; names extracted from the paste). Pure: no database."""
    from mhc_core.extract import extract_usernames

    paste = paste_text(paste) if paste is not None else None
    paste = paste if paste and paste.strip() else None
    extracted = extract_usernames(paste, broadcaster=broadcaster) if paste else []
    primary = require_username(username) if username else (extracted[0] if extracted else None)
    if primary is None:
        raise NothingToLookUp("no username given and none found in the paste" if paste else "no username given")
    return [primary] + [n for n in extracted if n != primary], extracted


def lookup(
    session: Session,
    *,
    username: str | None = None,
    paste: str | None = None,
    role: str | None = None,
    broadcaster: str | None = None,
    at: datetime | None = None,
) -> LookupResult:
    """The named person (or the first name found in the paste) plus every other name in the paste.

    The paste itself is kept as a PROFILE_PASTE on the primary person, with the names found in it;
    a paste that is not text or is over PASTE_MAX_BYTES is refused before anything is written.
    """
    paste = paste if paste and paste.strip() else None
    names, extracted = plan_names(username=username, paste=paste, broadcaster=broadcaster)
    when = at or datetime.now(UTC)
    resolved = [persons.find_or_create(session, n, seen_at=when) for n in names]
    primary = resolved[0]
    if role is not None:
        primary.role = role  # an explicit role is the operator's word: it replaces what was inferred
    kept = None
    if paste:
        meta: dict[str, Any] = {"extracted_usernames": extracted}
        kept = interactions.append(
            session, primary.id, InteractionType.PROFILE_PASTE.value, content=paste, timestamp=when,
            source=InteractionSource.MANUAL.value, metadata=meta,
        )
    session.flush()
    for person in resolved:
        paste_id = kept.id if kept is not None and person is primary else None
        person_changed(session, person.id, LOOKED_UP, paste_id)
    return LookupResult(person=primary, extracted_usernames=extracted, persons=resolved)
