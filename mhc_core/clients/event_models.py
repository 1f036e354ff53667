"""Pydantic models of Events API events, and `parse_event`, which never raises.

Unknown fields are kept (``extra="allow"``): the API adds fields without notice. Usernames are kept
exactly as received; the capture layer lowercases them.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from typing import Annotated, Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, StrictInt, ValidationError, field_validator

# The most tokens one tip or one media purchase can plausibly carry (about $50,000). An amount outside
# 1..MAX_TOKENS, or not a whole JSON number, is a damaged event: kept in the journal, never summed.
MAX_TOKENS = 1_000_000
Tokens = Annotated[StrictInt, Field(ge=1, le=MAX_TOKENS)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="allow")


class User(_Model):
    username: str
    inFanclub: bool | None = None
    hasTokens: bool | None = None
    isMod: bool | None = None
    recentTips: str | None = None
    gender: str | None = None
    subgender: str | None = None


class Message(_Model):
    message: str = ""
    color: str | None = None
    bgColor: str | None = None
    font: str | None = None
    fromUser: str | None = None
    toUser: str | None = None
    orig: str | None = None

    @field_validator("message", mode="before")
    @classmethod
    def _none_is_empty(cls, value: Any) -> Any:
        return "" if value is None else value


class Tip(_Model):
    tokens: Tokens
    isAnon: bool = False
    message: str = ""

    @field_validator("message", mode="before")
    @classmethod
    def _none_is_empty(cls, value: Any) -> Any:
        return "" if value is None else value


class Media(_Model):
    id: int | str | None = None
    type: str | None = None
    name: str | None = None
    tokens: Tokens


class BaseEvent(_Model):
    method: ClassVar[str] = ""
    broadcaster: str


class _UserEvent(BaseEvent):
    user: User


class BroadcastStartEvent(_UserEvent):
    method: ClassVar[str] = "broadcastStart"


class BroadcastStopEvent(_UserEvent):
    method: ClassVar[str] = "broadcastStop"


class UserEnterEvent(_UserEvent):
    method: ClassVar[str] = "userEnter"


class UserLeaveEvent(_UserEvent):
    method: ClassVar[str] = "userLeave"


class FollowEvent(_UserEvent):
    method: ClassVar[str] = "follow"


class UnfollowEvent(_UserEvent):
    method: ClassVar[str] = "unfollow"


class FanclubJoinEvent(_UserEvent):
    method: ClassVar[str] = "fanclubJoin"


class ChatMessageEvent(_UserEvent):
    method: ClassVar[str] = "chatMessage"
    message: Message


class PrivateMessageEvent(_UserEvent):
    method: ClassVar[str] = "privateMessage"
    message: Message

    @property
    def from_broadcaster(self) -> bool:
        """True when the broadcaster sent it (a PM goes either way; compare case-insensitively)."""
        sender = self.message.fromUser or ""
        return sender.lower() == self.broadcaster.lower()


class TipEvent(_UserEvent):
    method: ClassVar[str] = "tip"
    tip: Tip


class MediaPurchaseEvent(_UserEvent):
    method: ClassVar[str] = "mediaPurchase"
    media: Media


class RoomSubjectChangeEvent(BaseEvent):
    method: ClassVar[str] = "roomSubjectChange"
    subject: str


EVENT_MODELS: dict[str, type[BaseEvent]] = {
    model.method: model
    for model in (
        BroadcastStartEvent,
        BroadcastStopEvent,
        UserEnterEvent,
        UserLeaveEvent,
        FollowEvent,
        UnfollowEvent,
        FanclubJoinEvent,
        ChatMessageEvent,
        PrivateMessageEvent,
        TipEvent,
        MediaPurchaseEvent,
        RoomSubjectChangeEvent,
    )
}

SYNTHETIC_ID_PREFIX = "sha256:"


@dataclass(frozen=True)
class ReceivedEvent:
    """One event as received. `parsed` is None (and `error` says why) when it did not validate.

    `id` is the server's id; an event without a usable id gets a deterministic synthetic id,
    ``"sha256:<32 hex>"`` of its canonical JSON, so the same damaged event always dedupes to one row
    and can never collide with a real id (``<epoch ms>-<seq>``). `text` is the event exactly as it
    stood in the answer's body (JSON text), when the caller had it.
    """

    id: str
    method: str
    raw: dict
    parsed: BaseEvent | None
    error: str | None
    text: str | None = None


def _canonical_json(value: Any) -> str:
    try:
        return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True, default=repr)
    except (TypeError, ValueError, RecursionError):
        # Non-JSON input (e.g. mixed-type keys from a caller); repr is still deterministic enough.
        return repr(value)


# A usable server id is short printable ASCII (real ones are "<epoch ms>-<seq>"); anything else (NUL, lone
# surrogates, kilobytes that no index row can hold) is replaced by a synthetic id.
_USABLE_ID = re.compile(r"[!-~]{1,128}")


def _usable_id(raw_id: Any) -> str | None:
    if isinstance(raw_id, int) and not isinstance(raw_id, bool) and abs(raw_id) < 10**40:
        return str(raw_id)
    if isinstance(raw_id, str) and _USABLE_ID.fullmatch(raw_id):
        return raw_id
    return None


def synthetic_id(raw: Any) -> str:
    return (
        SYNTHETIC_ID_PREFIX + hashlib.sha256(_canonical_json(raw).encode("utf-8", "replace")).hexdigest()[:32]
    )


def _summarize(exc: ValidationError, limit: int = 3) -> str:
    parts = []
    for err in exc.errors(include_url=False)[:limit]:
        loc = ".".join(str(p) for p in err.get("loc", ())) or "object"
        parts.append(f"{loc}: {err.get('msg', 'invalid')}")
    more = exc.error_count() - limit
    if more > 0:
        parts.append(f"+{more} more")
    return "; ".join(parts)


def parse_event(raw: Any, text: str | None = None) -> ReceivedEvent:
    """Turn one JSON value from ``events`` (and its JSON text, if known) into a ReceivedEvent.

    Never raises for JSON input. A non-object value is kept as ``raw={"_value": value}``.
    """
    if not isinstance(raw, dict):
        wrapped = {"_value": raw}
        return ReceivedEvent(
            synthetic_id(wrapped), "", wrapped, None, f"event is not a JSON object ({type(raw).__name__})", text
        )

    raw_id = raw.get("id")
    event_id = _usable_id(raw_id) or synthetic_id(raw)
    method = raw.get("method")
    method = method if isinstance(method, str) else ""

    problems: list[str] = []
    if event_id.startswith(SYNTHETIC_ID_PREFIX):
        problems.append("event has no id" if raw_id in (None, "") else "event id unusable")
    if not method:
        problems.append("event has no method")
        return ReceivedEvent(event_id, "", raw, None, "; ".join(problems), text)
    model = EVENT_MODELS.get(method)
    if model is None:
        problems.append(f"unknown method {method[:60]!r}")
        return ReceivedEvent(event_id, method, raw, None, "; ".join(problems), text)
    obj = raw.get("object")
    if not isinstance(obj, dict):
        problems.append(f"{method}: 'object' is missing or not a JSON object")
        return ReceivedEvent(event_id, method, raw, None, "; ".join(problems), text)
    try:
        parsed = model.model_validate(obj)
    except ValidationError as exc:
        problems.append(f"invalid {method}: {_summarize(exc)}")
        return ReceivedEvent(event_id, method, raw, None, "; ".join(problems), text)
    except RecursionError:
        problems.append(f"invalid {method}: nested too deeply")
        return ReceivedEvent(event_id, method, raw, None, "; ".join(problems), text)
    # A valid event without an id is still usable; report the missing id but keep the parse.
    return ReceivedEvent(event_id, method, raw, parsed, "; ".join(problems) or None, text)
