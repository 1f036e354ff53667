"""What a search hands out: a page of stored lines that match, newest first, and the words for its filters.

No database import here (as in `mhc_core.data.views`): the console and `mhc search` both read these.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from mhc_core.kinds import InteractionType

# The kinds of interaction that carry words: exactly those the full-text index covers (migration 0005).
SEARCHABLE_TYPES: tuple[str, ...] = (
    InteractionType.CHAT_MESSAGE.value,
    InteractionType.PRIVATE_MESSAGE.value,
    InteractionType.TIP_EVENT.value,
    InteractionType.MANUAL_NOTE.value,
    InteractionType.CHAT_IMPORT.value,
)
# The short names `--type` and the console accept and show.
SHORT_NAMES: dict[str, str] = {
    InteractionType.CHAT_MESSAGE.value: "chat",
    InteractionType.PRIVATE_MESSAGE.value: "pm",
    InteractionType.TIP_EVENT.value: "tip",
    InteractionType.MANUAL_NOTE.value: "note",
    InteractionType.CHAT_IMPORT.value: "import",
}
_BY_NAME = {name.lower(): name for name in SEARCHABLE_TYPES} | {short: name for name, short in SHORT_NAMES.items()}


class UnknownSearchType(ValueError):
    """A type name that is not one of the searchable kinds."""


def search_type(raw: str) -> str:
    """The interaction type a name means: CHAT_MESSAGE or chat_message or chat (any case), pm, tip, note, import."""
    found = _BY_NAME.get(raw.strip().lower())
    if found is None:
        known = ", ".join(f"{name} ({SHORT_NAMES[name]})" for name in SEARCHABLE_TYPES)
        raise UnknownSearchType(f"unknown type {raw.strip()!r}: one of {known}")
    return found


class UnknownPerson(LookupError):
    """A search for one person's lines names nobody stored (by any name they have had)."""

    def __init__(self, username: str) -> None:
        super().__init__(f"no person called {username}")
        self.username = username


@dataclass(frozen=True)
class SearchHit:
    """One stored line that matched: who wrote it (or whom the note is about), when, and in which session."""

    id: int
    person_id: uuid.UUID
    username: str
    excluded: bool  # the person is excluded from counts; search is memory, so their lines are still found
    type: str
    content: str
    timestamp: datetime
    stream_session_id: int | None
    tokens: int | float | None

    def as_json(self) -> dict[str, Any]:
        """One element of `mhc search --json`."""
        return {"timestamp": self.timestamp.isoformat(), "type": self.type, "username": self.username,
                "content": self.content, "session_id": self.stream_session_id}


@dataclass(frozen=True)
class SearchPage:
    """`limit` hits from `offset` on, newest first; `more` when there are hits past this page."""

    text: str
    hits: tuple[SearchHit, ...]
    offset: int
    limit: int
    more: bool

    @property
    def next_offset(self) -> int:
        return self.offset + len(self.hits)

    def as_json(self) -> list[dict[str, Any]]:
        return [hit.as_json() for hit in self.hits]
