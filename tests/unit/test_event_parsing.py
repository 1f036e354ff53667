"""parse_event on the documented samples, on damaged input, and on arbitrary JSON (hypothesis)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mhc_core.clients import event_models as m
from mhc_core.clients.event_models import EVENT_MODELS, ReceivedEvent, parse_event, synthetic_id
from mhc_core.clients.stats import normalize_stats

LOCAL_SAMPLES = Path(__file__).resolve().parents[1] / "fakes" / "samples"
SHARED_SAMPLES = Path("/work/shared/api/samples")

EXPECTED = {
    "broadcastStart": m.BroadcastStartEvent,
    "broadcastStop": m.BroadcastStopEvent,
    "userEnter": m.UserEnterEvent,
    "userLeave": m.UserLeaveEvent,
    "follow": m.FollowEvent,
    "unfollow": m.UnfollowEvent,
    "fanclubJoin": m.FanclubJoinEvent,
    "chatMessage": m.ChatMessageEvent,
    "privateMessage": m.PrivateMessageEvent,
    "tip": m.TipEvent,
    "mediaPurchase": m.MediaPurchaseEvent,
    "roomSubjectChange": m.RoomSubjectChangeEvent,
}


def load(name: str) -> dict:
    return json.loads((LOCAL_SAMPLES / name).read_text())


@pytest.mark.skipif(not SHARED_SAMPLES.is_dir(), reason="shared samples not present")
@pytest.mark.parametrize("name", ["events_response.json", "stats_response_offline.json"])
def test_local_sample_copies_match_the_shared_ones(name: str) -> None:
    assert load(name) == json.loads((SHARED_SAMPLES / name).read_text())


def test_every_sample_event_parses_to_its_model() -> None:
    events = load("events_response.json")["events"]
    assert len(events) == 13
    parsed = [parse_event(raw) for raw in events]
    for raw, event in zip(events, parsed, strict=True):
        assert event.error is None, event.error
        assert isinstance(event.parsed, EXPECTED[raw["method"]])
        assert event.id == raw["id"] and event.method == raw["method"] and event.raw is raw
    assert {e.method for e in parsed} == set(EVENT_MODELS) == set(EXPECTED)


def test_sample_field_values() -> None:
    by_id = {e.id: e.parsed for e in map(parse_event, load("events_response.json")["events"])}
    enter = by_id["1764000001000-1"]
    assert isinstance(enter, m.UserEnterEvent)
    assert enter.user.username == "sample_viewer" and enter.user.recentTips == "some"
    assert enter.user.model_extra == {"language": "en", "isFollower": False}, "unknown user fields are kept"
    chat = by_id["1764000002000-2"]
    assert chat.message.message == "hello" and chat.message.bgColor is None and chat.message.orig is None
    tip = by_id["1764000003000-3"]
    assert tip.tip.tokens == 25 and tip.tip.isAnon is False and tip.tip.message == "| great show"
    to_broadcaster, from_broadcaster = by_id["1764000004000-4"], by_id["1764000005000-5"]
    assert not to_broadcaster.from_broadcaster and from_broadcaster.from_broadcaster
    media = by_id["1764000008000-8"]
    assert media.media.id == 1 and media.media.type == "photos" and media.media.tokens == 25
    subject = by_id["1764000009000-9"]
    assert subject.subject == "Hudson's room - goal 500" and not hasattr(subject, "user")
    assert by_id["1764000007000-7"].user.inFanclub is True


def test_usernames_are_kept_as_received() -> None:
    raw = {
        "method": "userEnter",
        "id": "1-0",
        "object": {"broadcaster": "Hudson_Cage", "user": {"username": "MiXeD"}},
    }
    event = parse_event(raw)
    assert event.parsed.user.username == "MiXeD" and event.parsed.broadcaster == "Hudson_Cage"


def test_stats_sample_normalises() -> None:
    metrics = normalize_stats(load("stats_response_offline.json"))
    assert metrics["time_online_minutes"] is None and metrics["online"] is False
    assert metrics["token_balance"] == 1500 and metrics["num_tokened_viewers"] == 0
    assert metrics["last_broadcast"] == "2026-11-23T22:00:00.000000"


@pytest.mark.parametrize(
    ("raw", "error_part"),
    [
        ({"method": "somethingNew", "id": "1-0", "object": {}}, "unknown method 'somethingNew'"),
        (
            {"method": "tip", "id": "1-0", "object": {"broadcaster": "b", "user": {"username": "u"}}},
            "tip: Field required",
        ),
        (
            {
                "method": "tip",
                "id": "1-0",
                "object": {"broadcaster": "b", "user": {"username": "u"}, "tip": {"tokens": "x"}},
            },
            "tip.tokens",
        ),
        ({"method": "chatMessage", "id": "1-0"}, "'object' is missing"),
        ({"method": "userEnter", "id": "1-0", "object": {"broadcaster": "b", "user": {}}}, "user.username"),
        ({"id": "1-0", "object": {}}, "no method"),
        ({"method": 5, "id": "1-0"}, "no method"),
        ("just a string", "not a JSON object"),
    ],
)
def test_damaged_events_are_kept_with_a_reason(raw: object, error_part: str) -> None:
    event = parse_event(raw)
    assert event.parsed is None
    assert error_part in (event.error or "")
    assert isinstance(event.raw, dict)


def test_missing_id_gets_a_deterministic_synthetic_id() -> None:
    raw = {"method": "follow", "object": {"broadcaster": "b", "user": {"username": "u"}}}
    first, second = parse_event(raw), parse_event(json.loads(json.dumps(raw)))
    assert first.id == second.id == synthetic_id(raw) and first.id.startswith("sha256:")
    assert first.parsed is not None and "no id" in (first.error or "")
    other = parse_event({**raw, "object": {"broadcaster": "b", "user": {"username": "v"}}})
    assert other.id != first.id


def test_numeric_id_is_kept_as_text() -> None:
    assert parse_event({"method": "x", "id": 12}).id == "12"


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=10), children, max_size=5)
    ),
    max_leaves=30,
)
field_names = st.sampled_from(
    ["broadcaster", "user", "message", "tip", "media", "subject", "username", "tokens"]
)
event_like = st.fixed_dictionaries(
    {},
    optional={
        "method": st.sampled_from(sorted(EVENT_MODELS)) | json_values,
        "id": st.text(max_size=20) | json_values,
        "object": st.dictionaries(field_names | st.text(max_size=8), json_values, max_size=6) | json_values,
    },
)


def _check(event: ReceivedEvent) -> None:
    assert isinstance(event, ReceivedEvent)
    assert isinstance(event.id, str) and event.id
    assert isinstance(event.method, str) and isinstance(event.raw, dict)
    assert (event.parsed is not None) or (event.error is not None)
    if event.parsed is not None:
        assert isinstance(event.parsed, EVENT_MODELS[event.method])


@settings(max_examples=300, deadline=None)
@given(json_values)
def test_any_json_value_never_crashes(value: object) -> None:
    _check(parse_event(value))


@settings(max_examples=500, deadline=None)
@given(event_like)
def test_any_event_shaped_json_never_crashes(value: dict) -> None:
    _check(parse_event(value))
