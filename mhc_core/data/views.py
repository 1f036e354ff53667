"""What the data door hands out: frozen views of stored rows, safe to keep after their session closed.

No database import here: a view is plain data, so the console can hold and render it on its event
loop without touching the ORM. Each view that the `mhc` command prints as JSON has `as_json()`, the
one serialisation of that shape (keys in their documented order; times ISO 8601 with zone).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from mhc_core.data.analysis_views import AnalysisView
from mhc_core.kinds import InteractionType, SessionStatus

Metrics = Mapping[str, Any]
Delta = Mapping[str, int | float | None]


def _iso(when: datetime | None) -> str | None:
    return when.isoformat() if when else None


def tokens_of(metadata: Mapping[str, Any]) -> int | float | None:
    """The tokens an interaction carries, if its metadata holds a number for them (a bool is not one)."""
    value = metadata.get("tokens") if isinstance(metadata, Mapping) else None
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return value


# -- a person -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AliasView:
    username: str
    valid_from: datetime
    valid_to: datetime | None

    def as_json(self) -> dict[str, Any]:
        return {"username": self.username, "valid_from": _iso(self.valid_from), "valid_to": _iso(self.valid_to)}


@dataclass(frozen=True)
class ReadingView:
    """One snapshot of a source with its change since the one before (None: the first, or none before)."""

    source: str
    snapshot_id: int
    captured_at: datetime
    metrics: Metrics
    delta: Delta | None

    def as_json(self) -> dict[str, Any]:
        return {"captured_at": self.captured_at.isoformat(), "metrics": self.metrics, "delta": self.delta}


@dataclass(frozen=True)
class InteractionView:
    """Something a person said, tipped or did (or a note about them), with their current username."""

    id: int
    person_id: uuid.UUID
    username: str
    type: str
    content: str | None
    timestamp: datetime
    source: str
    metadata: Metrics
    stream_session_id: int | None

    @property
    def tokens(self) -> int | float | None:
        return tokens_of(self.metadata)

    def as_json(self) -> dict[str, Any]:
        return {"type": self.type, "content": self.content, "timestamp": self.timestamp.isoformat(),
                "source": self.source, "metadata": self.metadata}

    def as_json_with_username(self) -> dict[str, Any]:
        return {"username": self.username, **self.as_json()}


@dataclass(frozen=True)
class NoteView:
    id: int
    person_id: uuid.UUID
    username: str
    content: str
    timestamp: datetime
    stream_session_id: int | None

    def as_json(self) -> dict[str, Any]:
        """What `mhc note --json` prints."""
        return {"username": self.username, "note": self.content, "timestamp": self.timestamp.isoformat(),
                "stream_session_id": self.stream_session_id}


@dataclass(frozen=True)
class AttributeView:
    id: int
    key: str
    value: str
    confidence: str
    evidence_type: str | None  # interaction, snapshot, manual (or the console form's own word)
    evidence_id: str | None  # the interaction's or snapshot's id
    updated_at: datetime

    def as_json(self) -> dict[str, Any]:
        return {"id": self.id, "key": self.key, "value": self.value, "confidence": self.confidence,
                "evidence_type": self.evidence_type, "evidence_id": self.evidence_id,
                "updated_at": self.updated_at.isoformat()}


@dataclass(frozen=True)
class ListMembership:
    """One watchlist and whether the person is on it (the Excluded list is exclusion itself)."""

    id: int
    name: str
    member: bool


@dataclass(frozen=True)
class RoomFigures:
    """What a person did in the broadcaster's own room (captured events and pasted room transcripts)."""

    tip_tokens: int
    tips: int
    chat_messages: int
    private_messages: int
    sessions_attended: int
    last_seen_in_room: datetime | None

    @property
    def any(self) -> bool:
        return self.last_seen_in_room is not None


@dataclass(frozen=True)
class PersonView:
    id: uuid.UUID
    username: str
    role: str
    rid: int | None
    did: int | None
    is_excluded: bool
    first_seen_at: datetime
    last_seen_at: datetime
    aliases: tuple[AliasView, ...]
    readings: tuple[ReadingView, ...]  # the latest of each snapshot source, in source order
    recent_interactions: tuple[InteractionView, ...]  # newest first
    notes: tuple[NoteView, ...]  # newest first
    notes_total: int
    attributes: tuple[AttributeView, ...]
    lists: tuple[ListMembership, ...]  # every watchlist, in list order
    room: RoomFigures | None  # None when not asked for
    analysis: AnalysisView | None = None  # behaviour analysis, only when asked for

    @property
    def list_names(self) -> list[str]:
        return [item.name for item in self.lists if item.member]

    def as_json(self) -> dict[str, Any]:
        """PERSON."""
        return {
            "id": str(self.id),
            "username": self.username,
            "role": self.role,
            "rid": self.rid,
            "did": self.did,
            "is_excluded": self.is_excluded,
            "aliases": [a.as_json() for a in self.aliases],
            "first_seen_at": _iso(self.first_seen_at),
            "last_seen_at": _iso(self.last_seen_at),
            "snapshots": {r.source: r.as_json() for r in self.readings},
            "recent_interactions": [i.as_json() for i in self.recent_interactions],
            "watchlists": self.list_names,
            "attributes": [a.as_json() for a in self.attributes],
            **({"analysis": self.analysis.as_json()} if self.analysis is not None else {}),
        }


@dataclass(frozen=True)
class PersonRef:
    id: uuid.UUID
    username: str


@dataclass(frozen=True)
class InteractionsPage:
    """One page of a person's interactions, newest first, and how many match in all."""

    items: tuple[InteractionView, ...]
    total: int
    offset: int
    limit: int


@dataclass(frozen=True)
class TimelineView:
    """A person's snapshots of one source, oldest first, each with its change since the one before."""

    source: str | None  # None: no source has any snapshot
    readings: tuple[ReadingView, ...]


# -- lookup ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LookupProblem:
    """A part of a lookup that failed or needs saying (Statbate down, a rename seen twice), by source."""

    source: str
    message: str

    def as_json(self) -> dict[str, str]:
        return {"source": self.source, "message": self.message}


@dataclass(frozen=True)
class LookupResult:
    person: PersonView  # the named person, or the first name found in the paste
    people: tuple[PersonRef, ...]  # everyone resolved, the primary first
    extracted_usernames: tuple[str, ...]
    problems: tuple[LookupProblem, ...]
    statbate: Mapping[str, Mapping[str, str]]  # name -> {"member", "model", "member_model": state}

    def as_json(self, *, with_statbate: bool) -> dict[str, Any]:
        out: dict[str, Any] = {
            "person": self.person.as_json(),
            "extracted_usernames": list(self.extracted_usernames),
            "errors": [p.as_json() for p in self.problems],
        }
        if with_statbate:
            out["statbate"] = {name: dict(states) for name, states in self.statbate.items()}
        return out


# -- stream sessions ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tipper:
    username: str
    tokens: int


@dataclass(frozen=True)
class SessionView:
    """A stream session with its figures, all computed from its interactions (excluded persons left out)."""

    id: int
    status: str
    origin: str
    started_at: datetime
    ended_at: datetime | None
    duration_seconds: int  # until the end, or until the read for a LIVE session
    tokens: int
    tips: int
    chat_messages: int
    private_messages: int
    unique_chatters: int
    follows: int
    unfollows: int
    media_tokens: int
    top_tippers: tuple[Tipper, ...]

    @property
    def live(self) -> bool:
        return self.status == SessionStatus.LIVE.value

    def as_json(self) -> dict[str, Any]:
        """SESSION."""
        return {
            "id": self.id,
            "status": self.status,
            "origin": self.origin,
            "started_at": self.started_at.isoformat(),
            "ended_at": _iso(self.ended_at),
            "duration_seconds": self.duration_seconds,
            "tokens": self.tokens,
            "tips": self.tips,
            "chat_messages": self.chat_messages,
            "private_messages": self.private_messages,
            "unique_chatters": self.unique_chatters,
            "follows": self.follows,
            "unfollows": self.unfollows,
            "media_tokens": self.media_tokens,
            "top_tippers": [{"username": t.username, "tokens": t.tokens} for t in self.top_tippers],
        }


@dataclass(frozen=True)
class SessionDetail:
    """A session and its interactions in time order (its transcript), each with the person's username."""

    session: SessionView
    interactions: tuple[InteractionView, ...]

    def of_types(self, *types: str) -> tuple[InteractionView, ...]:
        return tuple(i for i in self.interactions if i.type in types)

    @property
    def followers(self) -> tuple[InteractionView, ...]:
        return self.of_types(InteractionType.FOLLOW.value)

    def as_json(self) -> dict[str, Any]:
        """SESSION with `interactions`, as `mhc session show` prints it."""
        return {**self.session.as_json(), "interactions": [i.as_json_with_username() for i in self.interactions]}


@dataclass(frozen=True)
class SessionsPage:
    """The broadcaster's sessions, newest first."""

    sessions: tuple[SessionView, ...]
    offset: int
    limit: int

    def as_json(self) -> list[dict[str, Any]]:
        return [s.as_json() for s in self.sessions]


# -- the room, the feed and the dashboard ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FeedItem:
    """One line of the live feed: what the room said or did."""

    id: int
    type: str
    timestamp: datetime
    person_id: uuid.UUID
    username: str
    content: str | None
    tokens: int | None
    stream_session_id: int | None


@dataclass(frozen=True)
class FeedPage:
    """Feed events oldest first: the newest ones, or those committed after `after_id`."""

    items: tuple[FeedItem, ...]
    types: frozenset[str] | None  # the interaction types asked for, None for all
    after_id: int | None

    @property
    def last_id(self) -> int | None:
        return self.items[-1].id if self.items else None


@dataclass(frozen=True, slots=True)
class RoomEntry:
    person_id: uuid.UUID
    username: str
    entered_at: datetime
    tokens: int  # tipped in the LIVE session, else since the broadcast started
    room_tokens: int = 0  # tipped in the room, all time
    statbate_all_time: int | None = None  # the newest statbate_member snapshot's all-time tokens
    lists: tuple[str, ...] = ()  # the watchlists he is on
    has_notes: bool = False
    tier: str | None = None  # mhc_core.radar.tiers: whale, big, regular or None
    muted: bool = False  # his alerts are muted


@dataclass(frozen=True)
class RoomView:
    """Who is in the room now, newest arrival first."""

    entries: tuple[RoomEntry, ...]


@dataclass(frozen=True)
class DashboardView:
    live: SessionView | None
    reading: ReadingView | None  # the broadcaster's latest Chaturbate stats
    since_session: Delta | None  # their change since the LIVE session started
    recent: tuple[SessionView, ...]
    room: RoomView


@dataclass(frozen=True)
class LiveSummary:
    """What the health line shows besides component states."""

    session_id: int | None
    started_at: datetime | None
    tokens: int
    last_event_at: datetime | None
    unacknowledged: int = 0  # items in the inbox
    # The last ended broadcast had chat from others but no tip or private message since it began: the
    # Events API token may lack the full scope.
    scope_hint: bool = False


@dataclass(frozen=True)
class HudsonView:
    """The broadcaster's own view: his latest Chaturbate stats, his sessions, and what just happened."""

    broadcaster: str
    stats: ReadingView | None
    current_session: SessionView | None
    recent_sessions: tuple[SessionView, ...]
    recent_interactions: tuple[InteractionView, ...]

    def as_json(self) -> dict[str, Any]:
        return {
            "broadcaster": self.broadcaster,
            "stats": self.stats.as_json() if self.stats else None,
            "current_session": self.current_session.as_json() if self.current_session else None,
            "recent_sessions": [s.as_json() for s in self.recent_sessions],
            "recent_interactions": [i.as_json_with_username() for i in self.recent_interactions],
        }
