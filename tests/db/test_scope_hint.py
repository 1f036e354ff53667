"""The scope hint: a broadcast with chat but no tip or private message says the token may lack the full scope."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from mhc_core.data.door import Data
from mhc_core.services import interactions, persons, sessions
from mhc_core.services.scope_hint import SCOPE_CHAT_MIN, may_lack_full_scope

B = "hudson_cage"
T0 = datetime(2026, 11, 20, 20, 0, tzinfo=UTC)


def _event(s, name: str, type_: str, sid: int | None, minute: float, **meta) -> None:
    p = persons.find_or_create(s, name)
    interactions.append(s, p.id, type_, content=meta.pop("content", None), timestamp=T0 + timedelta(minutes=minute),
                        source="cb_events", metadata=meta, stream_session_id=sid)


def _broadcast(s, *, start: float = 0, chats: int = SCOPE_CHAT_MIN, end: bool = True) -> int:
    """A broadcast with `chats` chat messages from viewers (and a few from the broadcaster himself)."""
    sid = sessions.start(s, B, at=T0 + timedelta(minutes=start)).id
    for n in range(chats):
        _event(s, f"viewer_{n % 7}", "CHAT_MESSAGE", sid, start + 1 + n / 100, content="hi")
    for n in range(3):
        _event(s, B, "CHAT_MESSAGE", sid, start + 2 + n / 100, content="welcome")
    if end:
        sessions.end(s, B, at=T0 + timedelta(minutes=start + 60))
    return sid


def test_chat_without_a_tip_or_private_message_says_the_scope_may_be_short(db) -> None:
    with db.session() as s:
        _broadcast(s)
        assert may_lack_full_scope(s, B) is True


def test_a_tip_in_the_broadcast_clears_it(db) -> None:
    with db.session() as s:
        sid = _broadcast(s)
        _event(s, "viewer_1", "TIP_EVENT", sid, 30, tokens=25)
        assert may_lack_full_scope(s, B) is False


def test_a_private_message_either_way_clears_it(db) -> None:
    with db.session() as s:
        sid = _broadcast(s)
        _event(s, B, "PRIVATE_MESSAGE", sid, 30, content="thanks", fromUser=B, toUser="viewer_1")
        assert may_lack_full_scope(s, B) is False
    with db.session() as s:
        sid = _broadcast(s, start=120)
        _event(s, "viewer_1", "PRIVATE_MESSAGE", sid, 150, content="hey", fromUser="viewer_1", toUser=B)
        assert may_lack_full_scope(s, B) is False


def test_too_little_chat_from_others_says_nothing(db) -> None:
    with db.session() as s:
        _broadcast(s, chats=SCOPE_CHAT_MIN - 1)  # plus the broadcaster's own three: still too few from others
        assert may_lack_full_scope(s, B) is False


def test_no_ended_broadcast_says_nothing(db) -> None:
    with db.session() as s:
        assert may_lack_full_scope(s, B) is False
        _broadcast(s, end=False)
        assert may_lack_full_scope(s, B) is False  # LIVE: not judged until it ends


def test_a_live_broadcast_is_judged_on_the_one_before(db) -> None:
    with db.session() as s:
        _broadcast(s)
        _broadcast(s, start=120, chats=0, end=False)
        assert may_lack_full_scope(s, B) is True
    with db.session() as s:
        sessions.end(s, B, at=T0 + timedelta(minutes=180))
        _broadcast(s, start=240, end=False)
        assert may_lack_full_scope(s, B) is False  # the previous ended one had no chat from others


def test_a_tip_captured_after_the_broadcast_clears_it(db) -> None:
    with db.session() as s:
        _broadcast(s)
        live = _broadcast(s, start=120, chats=0, end=False)
        _event(s, "viewer_2", "TIP_EVENT", live, 125, tokens=10)
        assert may_lack_full_scope(s, B) is False
    with db.session() as s:
        sessions.end(s, B, at=T0 + timedelta(minutes=180))
        _broadcast(s, start=240)
        _event(s, "viewer_3", "TIP_EVENT", None, 400, tokens=10)  # offline, linked to no session
        assert may_lack_full_scope(s, B) is False


def test_the_live_summary_carries_the_hint(db, settings) -> None:
    assert settings.broadcaster == B
    door = Data(db, settings, clock=lambda: T0 + timedelta(hours=2))
    assert door.live_summary().scope_hint is False
    with db.session() as s:
        _broadcast(s)
    assert door.live_summary().scope_hint is True
