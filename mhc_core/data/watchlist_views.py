"""What the data door hands out about watchlists: the lists, and a list with its members' figures.

No database import here (see mhc_core.data.views): plain frozen data, each JSON shape in `as_json()`.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from mhc_core.data.views import Delta

# A member's online status, best first: in the room now, broadcasting (their latest snapshot says so), neither.
IN_ROOM, LIVE_MODEL, OFFLINE = "in_room", "live_model", "offline"
ONLINE_STATES = (IN_ROOM, LIVE_MODEL, OFFLINE)


def _iso(when: datetime | None) -> str | None:
    return when.isoformat() if when else None


@dataclass(frozen=True)
class WatchlistView:
    """One list and how many are on it; `system` lists (the five seeded) are neither renamed nor deleted."""

    id: int
    name: str
    system: bool
    members: int

    def as_json(self) -> dict[str, Any]:
        """What `mhc watchlist list --json` prints, one per list."""
        return {"name": self.name, "system": self.system, "members": self.members}


@dataclass(frozen=True)
class MemberView:
    person_id: uuid.UUID
    username: str
    added_at: datetime
    online: str  # one of ONLINE_STATES
    last_interaction_at: datetime | None  # their newest interaction that is not the operator's note or paste
    room_tokens: int  # tipped in the broadcaster's room, all time
    snapshot_source: str | None  # their newest snapshot's source (None: no snapshot)
    snapshot_at: datetime | None
    snapshot_delta: Delta | None  # its change since the one before of that source (None: the first)
    has_notes: bool

    @property
    def changes(self) -> Mapping[str, int | float]:
        """The metrics the newest snapshot moved, by how much (none unchanged or not numbers)."""
        return {k: v for k, v in (self.snapshot_delta or {}).items() if v}

    def as_json(self) -> dict[str, Any]:
        return {"username": self.username, "added_at": self.added_at.isoformat(), "online": self.online,
                "last_interaction_at": _iso(self.last_interaction_at), "room_tokens": self.room_tokens,
                "has_notes": self.has_notes}


@dataclass(frozen=True)
class WatchlistDetail:
    """A list with everyone on it, by username."""

    id: int
    name: str
    system: bool
    members: tuple[MemberView, ...]

    def as_json(self) -> dict[str, Any]:
        """What `mhc watchlist show --json` prints."""
        return {"name": self.name, "system": self.system, "members": [m.as_json() for m in self.members]}


@dataclass(frozen=True)
class MembershipChange:
    """What `mhc watchlist add/remove` did: who was put on (or taken off) the list, who already was (not)."""

    list_name: str
    changed: tuple[str, ...]
    unchanged: tuple[str, ...]
    created: tuple[str, ...] = ()  # persons `add` created (not seen before)

    def as_json(self) -> dict[str, Any]:
        return {"list": self.list_name, "changed": list(self.changed), "unchanged": list(self.unchanged),
                "created": list(self.created)}
