"""From a received event to its journal row and interaction: the mapping a user sees in the feed."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from mhc_core.capture.projection import event_time, journal_entry
from mhc_core.clients.event_models import parse_event
from tests.fakes import make_event

B = "hudson_cage"
NOW = datetime(2026, 11, 20, 20, 0, tzinfo=UTC)


def _ms(when: datetime) -> int:
    return int(when.timestamp() * 1000)


def entry(event: dict, *, at: datetime = NOW, event_id: str | None = None):
    raw = {"id": event_id or f"{_ms(at) - 1000}-0", **event}
    return journal_entry(parse_event(raw), B, at)


def test_event_time_comes_from_the_id_unless_it_is_in_the_future() -> None:
    past = NOW - timedelta(minutes=3)
    assert event_time(f"{_ms(past)}-7", NOW) == past
    assert event_time(f"{_ms(NOW + timedelta(seconds=3))}-0", NOW) == NOW + timedelta(seconds=3)  # small skew
    assert event_time(f"{_ms(NOW + timedelta(minutes=5))}-0", NOW) == NOW
    assert event_time("sha256:abcdef", NOW) == NOW
    assert event_time("12-0", NOW) == NOW


def test_chat_is_on_the_lowercased_user_with_the_user_flags_in_metadata() -> None:
    e = entry(make_event("chatMessage", "Viewer_12", text="hello", user_fields={"isMod": True, "colorGroup": "p"}))
    p = e.projection
    assert e.error is None and p is not None
    assert (p.type, p.username, p.content) == ("CHAT_MESSAGE", "viewer_12", "hello")
    assert p.metadata["user"]["isMod"] is True and p.metadata["user"]["colorGroup"] == "p"
    assert "username" not in p.metadata["user"]
    assert p.metadata["received_at"] == NOW.isoformat()
    assert e.event_time == NOW - timedelta(seconds=1)


def test_tip_strips_the_site_prefix_and_keeps_tokens_and_anonymity() -> None:
    p = entry(make_event("tip", "bob", tokens=25, tip_message="| great show", is_anon=True)).projection
    assert (p.type, p.username, p.content) == ("TIP_EVENT", "bob", "great show")
    assert p.metadata["tokens"] == 25 and p.metadata["is_anon"] is True
    assert entry(make_event("tip", "bob", tip_message="")).projection.content is None


def test_private_messages_are_on_the_other_party_with_a_direction() -> None:
    incoming = entry(make_event("privateMessage", "alice", text="hi")).projection
    assert (incoming.username, incoming.metadata["direction"], incoming.content) == ("alice", "in", "hi")
    assert incoming.metadata["user"]["gender"] == "m"
    outgoing = entry(make_event("privateMessage", "Hudson_Cage", text="thanks", to_user="Alice")).projection
    assert (outgoing.username, outgoing.metadata["direction"]) == ("alice", "out")
    assert "user" not in outgoing.metadata  # that user object describes the broadcaster, not alice


def test_media_subject_and_broadcast_events() -> None:
    media = entry(make_event("mediaPurchase", "carol", tokens=50)).projection
    assert media.type == "MEDIA_PURCHASE" and media.metadata["tokens"] == 50
    assert media.metadata["media"] == {"id": 1, "type": "photos", "name": "photoset1"}
    subject = entry(make_event("roomSubjectChange", subject="Goal: 500")).projection
    assert (subject.type, subject.username, subject.content) == ("ROOM_SUBJECT_CHANGE", B, "Goal: 500")
    start = entry(make_event("broadcastStart", B)).projection
    assert (start.type, start.username) == ("BROADCAST_START", B)
    for method, kind in [("follow", "FOLLOW"), ("unfollow", "UNFOLLOW"), ("userEnter", "USER_ENTER"),
                         ("userLeave", "USER_LEAVE"), ("fanclubJoin", "FANCLUB_JOIN")]:
        assert entry(make_event(method, "dave")).projection.type == kind


def test_unknown_damaged_and_foreign_events_are_kept_with_an_error_and_not_projected() -> None:
    unknown = entry({"method": "spinTheWheel", "object": {"broadcaster": B}})
    assert unknown.projection is None and "unknown method" in unknown.error
    damaged = entry({"method": "tip", "object": {"broadcaster": B, "user": {"username": "x"}, "tip": {"tokens": "lots"}}})
    assert damaged.projection is None and "tip" in damaged.error
    foreign = entry(make_event("chatMessage", "eve", broadcaster="someone_else"))
    assert foreign.projection is None and "someone_else" in foreign.error
    bad_name = entry(make_event("chatMessage", "eve; drop table"))
    assert bad_name.projection is None and "invalid username" in bad_name.error
    assert json.loads(foreign.payload_json)["object"]["broadcaster"] == "someone_else"


def test_nul_characters_are_removed_so_postgres_accepts_the_event() -> None:
    e = entry(make_event("chatMessage", "eve", text="a\x00b"))
    assert "\\u0000" not in e.payload_json and e.projection.content == "ab"
    assert "NUL" in e.error
