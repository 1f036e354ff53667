"""From a received event to its journal row and (when valid) the interaction it projects to.

Pure functions, no database: the listener writes what these return. Every event gets a journal entry;
only a valid event of the configured broadcaster gets a projection.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from json.encoder import encode_basestring
from typing import Any

from mhc_core.clients.event_models import (
    BaseEvent,
    ChatMessageEvent,
    MediaPurchaseEvent,
    PrivateMessageEvent,
    ReceivedEvent,
    RoomSubjectChangeEvent,
    TipEvent,
    parse_event,
)
from mhc_core.db.models import InteractionType

SOURCE = "cb_events"
USERNAME_RE = re.compile(r"^[a-z0-9_]{1,64}$")
_ID_RE = re.compile(r"^(\d{10,16})-\d+$")
# An id stamped up to this far ahead of our clock is believed (clocks drift); further is not.
CLOCK_SKEW = timedelta(seconds=5)
_EARLIEST = datetime(2010, 1, 1, tzinfo=UTC)

SIMPLE_TYPES = {
    "follow": InteractionType.FOLLOW,
    "unfollow": InteractionType.UNFOLLOW,
    "userEnter": InteractionType.USER_ENTER,
    "userLeave": InteractionType.USER_LEAVE,
    "fanclubJoin": InteractionType.FANCLUB_JOIN,
}
BROADCAST_TYPES = {"broadcastStart": InteractionType.BROADCAST_START, "broadcastStop": InteractionType.BROADCAST_STOP}


@dataclass(frozen=True)
class Projection:
    """The interaction an event becomes (person by lowercased username)."""

    type: str
    username: str
    content: str | None
    metadata: dict[str, Any]


@dataclass(frozen=True)
class JournalEntry:
    event_id: str
    method: str
    payload_json: str  # the raw event as JSON text (NUL characters removed: Postgres refuses them)
    event_time: datetime
    received_at: datetime
    error: str | None
    projection: Projection | None
    # This entry as one element of the JSON array that the listener's statements unpack: the journal row,
    # plus "p" (the projection) when there is one. Built with the entry, on the thread that decodes
    # events, so that the database thread does not have to.
    row_json: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "row_json", _row_json(self))


def _json_str(value: str | None) -> str:
    """dumps() for a string or None, without the encoder's per-call overhead."""
    return "null" if value is None else encode_basestring(value)


def _row_json(e: JournalEntry) -> str:
    row = (f'{{"event_id":{_json_str(e.event_id)},"method":{_json_str(e.method)},"payload":{e.payload_json},'
           f'"event_time":"{e.event_time.isoformat()}","received_at":"{e.received_at.isoformat()}",'
           f'"error":{_json_str(e.error)}')
    p = e.projection
    if p is None:
        return row + "}"
    return (f'{row},"p":{{"u":{_json_str(p.username)},"type":{_json_str(p.type)},'
            f'"content":{_json_str(p.content)},"meta":{dumps(p.metadata)}}}}}')


def event_time(event_id: str, received_at: datetime) -> datetime:
    """The epoch milliseconds in an id like ``1625274862454-0``, unless absent, absurd or in the future."""
    match = _ID_RE.match(event_id)
    if match is None:
        return received_at
    when = datetime.fromtimestamp(int(match.group(1)) / 1000, UTC)
    if when > received_at + CLOCK_SKEW or when < _EARLIEST:
        return received_at
    return when


def _without_nul(value: Any) -> Any:
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, dict):
        return {_without_nul(k): _without_nul(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_without_nul(v) for v in value]
    return value


# One encoder for every call: json.dumps() with arguments builds a new JSONEncoder each time, which costs
# more than encoding a short string.
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=repr)


def dumps(value: Any) -> str:
    """Compact JSON text, non-ASCII kept; anything JSON cannot represent becomes its repr()."""
    return _ENCODER.encode(value)


def journal_entry(event: ReceivedEvent, broadcaster: str, received_at: datetime) -> JournalEntry:
    """The journal row for one event, with its projection when the event is valid and ours."""
    text = dumps(event.raw)
    parsed, error = event.parsed, event.error
    if "\\u0000" in text:
        # jsonb and text columns refuse NUL; keep the rest of the event and parse the cleaned copy.
        cleaned = _without_nul(event.raw)
        text = dumps(cleaned)
        again = parse_event(cleaned)
        parsed, error = again.parsed, again.error
        error = "; ".join(filter(None, [error, "NUL characters removed"]))
    when = event_time(event.id, received_at)
    projection = None
    if parsed is not None:
        projection, problem = project(parsed, event.method, broadcaster, received_at)
        if problem:
            error = "; ".join(filter(None, [error, problem]))
    return JournalEntry(
        event_id=event.id,
        method=event.method or "?",
        payload_json=text,
        event_time=when,
        received_at=received_at,
        error=error or None,
        projection=projection,
    )


def _username(raw: str | None) -> str | None:
    name = (raw or "").strip().lower()
    return name if USERNAME_RE.match(name) else None


def _user_meta(parsed: BaseEvent) -> dict[str, Any] | None:
    user = getattr(parsed, "user", None)
    if user is None:
        return None
    # Everything the feed said about the user (known flags and unknown extras) but the name itself.
    return user.model_dump(exclude={"username"}, exclude_unset=True)


def project(
    parsed: BaseEvent, method: str, broadcaster: str, received_at: datetime
) -> tuple[Projection | None, str | None]:
    """(projection, None) for a valid event of `broadcaster`; (None, why) otherwise."""
    room = parsed.broadcaster.strip().lower()
    if room != broadcaster:
        return None, f"event for broadcaster {parsed.broadcaster[:64]!r}, not {broadcaster!r}: not projected"
    meta: dict[str, Any] = {"received_at": received_at.isoformat()}
    user = getattr(parsed, "user", None)
    actor = _username(user.username) if user is not None else None
    if user is not None and actor is None:
        return None, f"invalid username {user.username[:64]!r}"
    user_meta = _user_meta(parsed)

    if method in BROADCAST_TYPES:
        if user_meta is not None:
            meta["user"] = user_meta
        return Projection(BROADCAST_TYPES[method].value, broadcaster, None, meta), None
    if isinstance(parsed, RoomSubjectChangeEvent):
        return Projection(InteractionType.ROOM_SUBJECT_CHANGE.value, broadcaster, parsed.subject, meta), None
    assert actor is not None and user_meta is not None  # every other method carries a user
    if method in SIMPLE_TYPES:
        meta["user"] = user_meta
        return Projection(SIMPLE_TYPES[method].value, actor, None, meta), None
    if isinstance(parsed, ChatMessageEvent):
        meta["user"] = user_meta
        meta["message"] = parsed.message.model_dump(exclude={"message"}, exclude_unset=True)
        return Projection(InteractionType.CHAT_MESSAGE.value, actor, parsed.message.message, meta), None
    if isinstance(parsed, PrivateMessageEvent):
        return _private_message(parsed, actor, user_meta, broadcaster, meta)
    if isinstance(parsed, TipEvent):
        meta["user"] = user_meta
        meta["tokens"] = parsed.tip.tokens
        meta["is_anon"] = parsed.tip.isAnon
        note = parsed.tip.message.strip()
        note = note.removeprefix("|").strip()  # the site prefixes tip notes with "| "
        return Projection(InteractionType.TIP_EVENT.value, actor, note or None, meta), None
    if isinstance(parsed, MediaPurchaseEvent):
        meta["user"] = user_meta
        media = parsed.media
        meta["tokens"] = media.tokens
        meta["media"] = {"id": media.id, "type": media.type, "name": media.name}
        return Projection(InteractionType.MEDIA_PURCHASE.value, actor, media.name, meta), None
    return None, f"no projection for method {method[:60]!r}"


def _private_message(
    parsed: PrivateMessageEvent, actor: str, user_meta: dict[str, Any], broadcaster: str, meta: dict[str, Any]
) -> tuple[Projection | None, str | None]:
    msg = parsed.message
    sender = _username(msg.fromUser) if msg.fromUser else actor
    recipient = _username(msg.toUser) if msg.toUser else broadcaster
    if sender is None or recipient is None:
        return None, "private message with an invalid fromUser/toUser"
    outgoing = sender == broadcaster
    other = recipient if outgoing else sender
    if other == broadcaster:
        return None, "private message between the broadcaster and himself"
    meta.update(direction="out" if outgoing else "in", from_user=sender, to_user=recipient)
    if actor == other:  # the user object describes the other party (not the broadcaster): keep it
        meta["user"] = user_meta
    meta["message"] = msg.model_dump(exclude={"message", "fromUser", "toUser"}, exclude_unset=True)
    return Projection(InteractionType.PRIVATE_MESSAGE.value, other, msg.message, meta), None
