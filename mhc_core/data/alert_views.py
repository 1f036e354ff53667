"""What the data door hands out about alerts and the inbox: frozen views, plain data only."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

# The kinds of inbox items; an item's key is "<kind>:<id>" (the alert's id, else the interaction's).
INBOX_KINDS = ("alert", "tip", "private_message")


def _iso(when: datetime | None) -> str | None:
    return when.isoformat() if when else None


@dataclass(frozen=True)
class AlertView:
    """One stored alert: which rule fired for whom on which event, and whether it was acknowledged."""

    id: int
    rule: str
    person_id: uuid.UUID
    username: str
    event_id: str
    fired_at: datetime
    acknowledged_at: datetime | None
    text: str
    bell: bool

    def as_json(self) -> dict[str, Any]:
        """The seven keys of `mhc alerts --json`, the alert command's input and a `mhc listen --jsonl` alert."""
        return {
            "id": self.id, "rule": self.rule, "username": self.username, "event_id": self.event_id,
            "fired_at": _iso(self.fired_at), "acknowledged_at": _iso(self.acknowledged_at), "text": self.text,
        }


@dataclass(frozen=True)
class InboxItem:
    """An unacknowledged alert, tip or incoming private message of this broadcast."""

    kind: str  # one of INBOX_KINDS
    key: str  # what `acknowledge` takes: "alert:12", "tip:345", "private_message:346"
    id: int  # the alert's id for an alert, else the interaction's
    person_id: uuid.UUID
    username: str
    at: datetime  # when it happened (an alert: its event's time)
    text: str  # one readable line
    tokens: int | None  # a tip's (or a tip alert's) tokens

    def as_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "key": self.key, "username": self.username, "at": _iso(self.at),
                "text": self.text, "tokens": self.tokens}


@dataclass(frozen=True)
class InboxView:
    """Everything of this broadcast not acknowledged yet, newest first; `since` is where the broadcast
    began (None: nothing tells, so everything unacknowledged)."""

    items: tuple[InboxItem, ...]
    since: datetime | None

    @property
    def count(self) -> int:
        return len(self.items)

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(item.key for item in self.items)

    def as_json(self) -> dict[str, Any]:
        return {"since": _iso(self.since), "items": [item.as_json() for item in self.items]}
