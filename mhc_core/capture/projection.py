"""From a received event to its journal row and (when valid) the interaction it projects to.

Pure functions, no database: the listener writes what these return. Every event gets a journal entry;
only a valid event of the configured broadcaster gets a projection.
"""

from __future__ import annotations

import json
import logging
import math
import re
from dataclasses import dataclass, field, replace
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
from mhc_core.username import normalize_username

log = logging.getLogger(__name__)

SOURCE = "cb_events"
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
    payload_json: str  # the event as JSON text that jsonb accepts (see make_storable)
    event_time: datetime
    received_at: datetime
    error: str | None
    projection: Projection | None
    raw_text: str = ""  # the event exactly as received, as storable JSON text (see storable_json_text)
    # This entry as one element of the JSON array that the listener's statements unpack: the journal row,
    # plus "p" (the projection) when there is one. Built with the entry, on the thread that decodes
    # events, so that the database thread does not have to.
    row_json: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "row_json", _row_json(self))

    def refused(self, reason: str, *, keep_payload: bool) -> JournalEntry:
        """This entry as journal only, for when the database refused it as it was: the reason becomes its
        error; without `keep_payload`, the payload is null too (the raw text still holds the event)."""
        what = "not projected" if keep_payload else "payload and projection not stored"
        error = "; ".join(filter(None, [self.error, f"{what}: the database refused it ({storable_str(reason)})"]))
        return replace(self, projection=None, error=error, payload_json=self.payload_json if keep_payload else "null")


def _json_str(value: str | None) -> str:
    """dumps() for a string or None, without the encoder's per-call overhead."""
    return "null" if value is None else encode_basestring(value)


def _row_json(e: JournalEntry) -> str:
    row = (f'{{"event_id":{_json_str(e.event_id)},"method":{_json_str(e.method)},"payload":{e.payload_json},'
           f'"raw":{_json_str(e.raw_text)},'
           f'"event_time":"{e.event_time.isoformat()}","received_at":"{e.received_at.isoformat()}",'
           f'"error":{_json_str(e.error)}')
    p = e.projection
    if p is None:
        return row + "}"
    return f'{row},"p":{projection_json(p)}}}'


def projection_json(p: Projection) -> str:
    """A projection as the JSON object the listener's statements unpack ("p" of a row)."""
    return (f'{{"u":{_json_str(p.username)},"type":{_json_str(p.type)},'
            f'"content":{_json_str(p.content)},"meta":{dumps(p.metadata)}}}')


def event_time(event_id: str, received_at: datetime) -> datetime:
    """The epoch milliseconds in an id like ``1625274862454-0``, unless absent, absurd or in the future."""
    match = _ID_RE.match(event_id)
    if match is None:
        return received_at
    try:
        when = datetime.fromtimestamp(int(match.group(1)) / 1000, UTC)
    except (ValueError, OverflowError, OSError):  # a stamp past the year 9999
        return received_at
    if when > received_at + CLOCK_SKEW or when < _EARLIEST:
        return received_at
    return when


# -- making text storable ---------------------------------------------------------------------------------
# Postgres text and jsonb refuse NUL, lone UTF-16 surrogates (half an emoji, or a byte that was not UTF-8)
# and NaN/Infinity. Everything capture writes comes from one value made storable here, and the event says
# what was changed; the journal's raw text keeps the original, with such characters as JSON escapes.

NUL_REMOVED = "NUL characters removed"
SURROGATES_REPLACED = "lone UTF-16 surrogates replaced by U+FFFD"
NON_FINITE_NULLED = "NaN/Infinity stored as null"
# In compact JSON text made with ensure_ascii=False: an escaped NUL, or a surrogate left on its own.
_UNSTORABLE_JSON = re.compile(r"\\u0000|[\ud800-\udfff]")
_UNSTORABLE_CHAR = re.compile(r"[\x00\ud800-\udfff]")
# What in an event's received JSON text jsonb may refuse: an escaped NUL or surrogate (a lone one is
# refused; a pair is re-encoded too, to keep the test simple), NaN/Infinity (anywhere, even inside a
# string: a needless re-encode costs less than a refused batch), and the raw characters themselves.
_REENCODE = re.compile(r"\\u0000|\\u[dD][89a-fA-F]|NaN|Infinity|[\x00\ud800-\udfff]")


def _storable_str(text: str, notes: set[str]) -> str:
    if _UNSTORABLE_CHAR.search(text) is None:
        return text
    if "\x00" in text:
        notes.add(NUL_REMOVED)
        text = text.replace("\x00", "")
    if _UNSTORABLE_CHAR.search(text) is not None:
        notes.add(SURROGATES_REPLACED)
        text = _UNSTORABLE_CHAR.sub("\ufffd", text)
    return text


def storable_str(text: str) -> str:
    """`text` storable in a Postgres text column (NUL removed, lone surrogates replaced)."""
    return _storable_str(text, set())


def make_storable(value: Any, notes: set[str]) -> Any:
    """`value` with every string (keys too) and number made storable in Postgres; what changed goes in `notes`."""
    if isinstance(value, str):
        return _storable_str(value, notes)
    if isinstance(value, dict):
        return {_storable_str(k, notes) if isinstance(k, str) else k: make_storable(v, notes)
                for k, v in value.items()}
    if isinstance(value, list):
        return [make_storable(v, notes) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        notes.add(NON_FINITE_NULLED)
        return None
    return value


def storable_json_text(text: str) -> str:
    """JSON text with NUL and lone surrogates written as JSON escapes: storable, and it reads back the same."""
    if _UNSTORABLE_CHAR.search(text) is None:
        return text
    return _UNSTORABLE_CHAR.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


# One encoder for every call: json.dumps() with arguments builds a new JSONEncoder each time, which costs
# more than encoding a short string.
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=repr)
_STRICT_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=repr, allow_nan=False)
_ASCII_ENCODER = json.JSONEncoder(default=repr)


def dumps(value: Any) -> str:
    """Compact JSON text, non-ASCII kept; anything JSON cannot represent becomes its repr()."""
    return _ENCODER.encode(value)


def _received_text(event: ReceivedEvent) -> str:
    """The event's JSON text as received; for an event built in code, its ASCII JSON (storable as it is)."""
    if event.text is not None:
        return storable_json_text(event.text)
    try:
        return _ASCII_ENCODER.encode(event.raw)
    except (ValueError, RecursionError):
        return storable_json_text(repr(event.raw))


def _storable_event(event: ReceivedEvent) -> tuple[str, ReceivedEvent, str | None]:
    """(jsonb payload text, the event as it will be projected, what was changed to make it storable)."""
    # An object's text only: any other value is kept wrapped (`{"_value": ...}`), as parse_event made it.
    if event.text is not None and event.text.startswith("{") and _REENCODE.search(event.text) is None:
        return event.text, event, None  # the text as received is valid JSON that jsonb takes as it is
    try:
        text: str | None = _STRICT_ENCODER.encode(event.raw)
    except ValueError:  # NaN or Infinity: cleaned below
        text = None
    except RecursionError:
        return _too_deep(event)
    if text is not None and _UNSTORABLE_JSON.search(text) is None:
        return text, event, None
    notes: set[str] = set()
    try:
        cleaned = make_storable(event.raw, notes)
    except RecursionError:
        return _too_deep(event)
    if not notes:  # only a backslash typed before "u0000"
        return dumps(event.raw), event, None
    # Parsed again from the cleaned copy, so the projection holds only storable text; the id stays the one
    # parse_event chose from the original (always storable), so two events never merge by cleaning.
    again = parse_event(cleaned)
    stored = ReceivedEvent(event.id, again.method, cleaned, again.parsed, again.error)
    return dumps(cleaned), stored, "; ".join(sorted(notes))


def _too_deep(event: ReceivedEvent) -> tuple[str, ReceivedEvent, str]:
    """An event nested deeper than Python can walk: journaled with a null payload, its raw text kept."""
    unused: set[str] = set()
    error = _storable_str(event.error, unused) if event.error else None
    stored = replace(event, method=_storable_str(event.method, unused), parsed=None, error=error)
    return "null", stored, "too deeply nested for jsonb: kept as raw text only"


def journal_entry(event: ReceivedEvent, broadcaster: str, received_at: datetime) -> JournalEntry:
    """The journal row for one event, with its projection when the event is valid and ours."""
    raw_text = _received_text(event)
    payload, event, changed = _storable_event(event)
    projection, problem = None, None
    if event.parsed is not None:
        projection, problem = _projection(event, broadcaster, received_at)
    return JournalEntry(
        event_id=event.id,
        method=event.method or "?",
        payload_json=payload,
        event_time=event_time(event.id, received_at),
        received_at=received_at,
        error="; ".join(filter(None, [event.error, problem, changed])) or None,
        projection=projection,
        raw_text=raw_text,
    )


def _projection(
    event: ReceivedEvent, broadcaster: str, received_at: datetime
) -> tuple[Projection | None, str | None]:
    """project(), with a failure on one odd event kept as that event's error instead of stopping the batch."""
    assert event.parsed is not None
    try:
        return project(event.parsed, event.method, broadcaster, received_at)
    except Exception as exc:  # noqa: BLE001 - any bug here must cost one event, never the feed
        log.exception("capture: projecting event %s failed", event.id)
        return None, f"not projected: {type(exc).__name__}: {str(exc)[:200]}"


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
    actor = normalize_username(user.username) if user is not None else None
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
    sender = normalize_username(msg.fromUser) if msg.fromUser else actor
    recipient = normalize_username(msg.toUser) if msg.toUser else broadcaster
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
