"""StatbateClient against the fake Statbate API: paths, queries, errors, batch, normalisers."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from mhc_core.clients.errors import AuthError, MalformedResponseError, RequestError, TransientError
from mhc_core.clients.statbate import (
    StatbateClient,
    format_range_value,
    normalize_member_info,
    normalize_model_info,
)
from tests.clients.helpers import all_log_text, assert_no_secret, exception_chain_text
from tests.fakes import STATBATE_PREFIX, FakeApis

START = datetime(2025, 11, 1, 0, 0, tzinfo=UTC)
END = datetime(2025, 11, 23, 23, 59, 59, tzinfo=UTC)
RANGE = {"range[0]": "2025-11-01 00:00:00", "range[1]": "2025-11-23 23:59:59"}


def statbate(fake: FakeApis, **options: object) -> StatbateClient:
    options.setdefault("backoff", 0.01)
    return StatbateClient(fake.statbate_base_url, fake.statbate_token, **options)  # type: ignore[arg-type]


def flat_query(fake: FakeApis) -> dict[str, list[str]]:
    return fake.requests_for("statbate")[-1].query


ENDPOINTS = [
    (
        "member_info",
        ("alice",),
        {"timezone": "Europe/London"},
        "/members/chaturbate/alice/info",
        {"timezone": ["Europe/London"]},
    ),
    (
        "member_tips",
        ("alice",),
        {"start": START, "end": END, "timezone": "UTC", "page": 2, "per_page": 50},
        "/members/chaturbate/alice/tips",
        {**RANGE, "timezone": "UTC", "page": "2", "per_page": "50"},
    ),
    (
        "member_top_models",
        ("alice",),
        {"start": START, "end": END},
        "/members/chaturbate/alice/top-models",
        RANGE,
    ),
    (
        "member_activity",
        ("alice",),
        {"start": START, "timezone": "UTC"},
        "/members/chaturbate/alice/activity",
        {"range[0]": RANGE["range[0]"], "timezone": "UTC"},
    ),
    (
        "member_tag_spending",
        ("alice",),
        {"start": START, "end": END, "per_page": 10},
        "/members/chaturbate/alice/tag-spending",
        {**RANGE, "per_page": "10"},
    ),
    (
        "member_model_spending",
        ("alice", "hudson_cage"),
        {"start": START, "end": END, "timezone": "UTC"},
        "/members/chaturbate/alice/model/hudson_cage",
        {**RANGE, "timezone": "UTC"},
    ),
    (
        "model_info",
        ("hudson_cage",),
        {"start": START, "end": END},
        "/model/chaturbate/hudson_cage/info",
        RANGE,
    ),
    (
        "model_activity",
        ("hudson_cage",),
        {"end": END},
        "/model/chaturbate/hudson_cage/activity",
        {"range[1]": RANGE["range[1]"]},
    ),
    (
        "model_rank",
        ("hudson_cage",),
        {"start": START, "end": END, "timezone": "UTC"},
        "/model/chaturbate/hudson_cage/rank",
        {**RANGE, "timezone": "UTC"},
    ),
    (
        "model_tips",
        ("hudson_cage",),
        {"page": 3, "per_page": 200},
        "/model/chaturbate/hudson_cage/tips",
        {"page": "3", "per_page": "200"},
    ),
    (
        "model_members",
        ("hudson_cage",),
        {"start": START, "end": END},
        "/model/chaturbate/hudson_cage/members",
        RANGE,
    ),
    (
        "top_members",
        (),
        {"start": START, "end": END, "genders": [0, 3], "high_tippers": True, "page": 1},
        "/members",
        {"site": "chaturbate", **RANGE, "selectedGenders[]": ["0", "3"], "highTippers": "true", "page": "1"},
    ),
    (
        "top_models",
        (),
        {"genders": [1], "per_page": 5},
        "/models",
        {"site": "chaturbate", "selectedGenders[]": ["1"], "per_page": "5"},
    ),
    ("online_members", (), {"timezone": "UTC"}, "/members/online", {"site": "chaturbate", "timezone": "UTC"}),
    (
        "tags",
        (),
        {"start": START, "end": END, "page": 1, "per_page": 20},
        "/tags",
        {"site": "chaturbate", **RANGE, "page": "1", "per_page": "20"},
    ),
    (
        "search_tags",
        ("mus",),
        {"limit": 10},
        "/tags/search",
        {"query": "mus", "site": "chaturbate", "limit": "10"},
    ),
]


@pytest.mark.parametrize(
    ("method", "args", "kwargs", "path", "query"), ENDPOINTS, ids=[e[0] for e in ENDPOINTS]
)
async def test_endpoint_path_query_and_payload(
    fake_apis: FakeApis, method: str, args: tuple, kwargs: dict, path: str, query: dict
) -> None:
    fake_apis.add_member("alice")
    fake_apis.add_model("hudson_cage")
    async with statbate(fake_apis) as client:
        body = await getattr(client, method)(*args, **kwargs)
    assert isinstance(body, dict) and "data" in body
    request = fake_apis.requests_for("statbate")[-1]
    assert request.method == "GET"
    assert request.path == STATBATE_PREFIX + path
    expected = {k: v if isinstance(v, list) else [v] for k, v in query.items()}
    assert request.query == expected
    assert request.headers["Authorization"] == f"Bearer {fake_apis.statbate_token}"


async def test_unset_parameters_are_not_sent(fake_apis: FakeApis) -> None:
    fake_apis.add_member("alice")
    async with statbate(fake_apis) as client:
        await client.member_tips("alice")
    assert flat_query(fake_apis) == {}


@pytest.mark.parametrize("call", ["member_info", "model_info", "member_top_models", "member_tips"])
async def test_unknown_name_is_none(fake_apis: FakeApis, call: str) -> None:
    async with statbate(fake_apis) as client:
        assert await getattr(client, call)("nobody_here") is None


async def test_member_info_normalised(fake_apis: FakeApis) -> None:
    data = fake_apis.add_member("alice")
    async with statbate(fake_apis) as client:
        body = await client.member_info("alice")
    info = normalize_member_info(body)
    assert info["did"] == data["did"]
    assert info["all_time_tokens"] == 12345
    assert info["models_tipped_2weeks"] == 1 and info["models_tipped_2weeks_list"] == ["model_a"]
    assert info["models_messaged_2weeks"] == 2 and info["models_messaged_2weeks_list"] == [
        "model_a",
        "model_b",
    ]
    assert info["last_tip_amount"] == 50
    assert info["first_tip_date"] == "2024-01-06T21:00:00+00:00"
    assert info["per_day_tokens"] == [
        {"date": "2025-11-19", "tokens": 100},
        {"date": "2025-11-20", "tokens": 50},
    ]
    # The bare object (no {"data": ...}) reads the same.
    assert normalize_member_info(body["data"]) == info


async def test_model_info_normalised(fake_apis: FakeApis) -> None:
    data = fake_apis.add_model("hudson_cage")
    async with statbate(fake_apis) as client:
        body = await client.model_info("hudson_cage")
    info = normalize_model_info(body)
    assert info == {
        "name": "hudson_cage",
        "rid": data["rid"],
        "gender": 0,
        "rank": 1234,
        "session_count": 42,
        "total_duration_minutes": 5040,
        "average_duration_minutes": 120,
        "income_tokens": 90000,
        "income_usd": 4500.0,
        "tags": ["muscle", "bear"],
    }
    assert normalize_model_info(body["data"]) == info


def test_normalisers_survive_garbage() -> None:
    for junk in (
        None,
        [],
        "x",
        {},
        {"data": None},
        {"data": {"sessions": 5, "tags": "x", "per_day_tokens": 3}},
    ):
        assert normalize_member_info(junk)["did"] is None
        assert normalize_model_info(junk)["rid"] is None


async def test_batch_maps_lowercased_names_to_info_or_none(fake_apis: FakeApis) -> None:
    fake_apis.add_member("alice")
    fake_apis.add_member("Bob_X")
    async with statbate(fake_apis) as client:
        result = await client.members_info_batch(["alice", "Bob_X", "ghost"], timezone="UTC")
    assert set(result) == {"alice", "bob_x", "ghost"}
    assert result["ghost"] is None
    assert normalize_member_info(result["bob_x"])["did"] == fake_apis.members["bob_x"]["did"]
    request = fake_apis.requests_for("statbate")[-1]
    assert request.method == "POST" and request.path == STATBATE_PREFIX + "/members/chaturbate/info/batch"
    assert request.json() == {"names": ["alice", "Bob_X", "ghost"], "timezone": "UTC"}


async def test_empty_batch_makes_no_request(fake_apis: FakeApis) -> None:
    async with statbate(fake_apis) as client:
        assert await client.members_info_batch([]) == {}
    assert fake_apis.requests_for("statbate") == []


async def test_wrong_token_is_auth_error(fake_apis: FakeApis) -> None:
    async with StatbateClient(fake_apis.statbate_base_url, "WRONGtokenXXXXXXXXXX") as client:
        with pytest.raises(AuthError) as caught:
            await client.member_info("alice")
    assert str(caught.value) == "Statbate rejected the token (HTTP 401)"
    assert caught.value.source == "statbate"


async def test_422_is_request_error_with_the_server_message(fake_apis: FakeApis) -> None:
    fake_apis.fail(422, "statbate", body={"error": "names array is required"})
    async with statbate(fake_apis) as client:
        with pytest.raises(RequestError) as caught:
            await client.members_info_batch(["alice"])
    assert "names array is required" in str(caught.value)
    assert len(fake_apis.requests_for("statbate")) == 1, "a malformed request is not retried"


@pytest.mark.parametrize("fault", [{"status": 500}, {"status": 503}, {"status": 429}, {"kind": "drop"}])
async def test_transient_failures_are_retried_then_raised(fake_apis: FakeApis, fault: dict) -> None:
    kind = fault.pop("kind", "status")
    fake_apis.add_fault(kind, "statbate", times=10, **fault)
    async with statbate(fake_apis, retries=2) as client:
        with pytest.raises(TransientError):
            await client.member_info("alice")
    assert len(fake_apis.requests_for("statbate")) == 3


async def test_one_5xx_then_success(fake_apis: FakeApis) -> None:
    fake_apis.add_member("alice")
    fake_apis.fail(502, "statbate")
    async with statbate(fake_apis) as client:
        assert (await client.member_info("alice")) is not None
    assert len(fake_apis.requests_for("statbate")) == 2


@pytest.mark.parametrize("kind", ["not_json", "truncated_json"])
async def test_non_json_is_malformed(fake_apis: FakeApis, kind: str) -> None:
    fake_apis.add_fault(kind, "statbate")
    async with statbate(fake_apis) as client:
        with pytest.raises(MalformedResponseError):
            await client.member_info("alice")


async def test_unwrapped_payload_is_tolerated_and_logged(
    fake_apis: FakeApis, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="mhc_core.clients.statbate")
    fake_apis.statbate_overrides["/model/chaturbate/bare/info"] = (200, {"name": "bare", "rid": 9, "rank": 3})
    async with statbate(fake_apis) as client:
        body = await client.model_info("bare")
    assert normalize_model_info(body)["rid"] == 9
    assert "without the {'data': ...} wrapper" in caplog.text


async def test_token_never_shown(fake_apis: FakeApis, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    token = fake_apis.statbate_token
    fake_apis.fail(422, "statbate", body={"error": f"bad token {token}"})
    fake_apis.add_fault("drop", "statbate", times=3)
    async with statbate(fake_apis) as client:
        with pytest.raises(RequestError) as bad:
            await client.member_info("alice")
        with pytest.raises(TransientError) as down:
            await client.member_info("alice")
        assert_no_secret(repr(client), token)
    for exc in (bad.value, down.value):
        assert_no_secret(exception_chain_text(exc), token)
    assert_no_secret(all_log_text(caplog.records), token)


def test_range_format() -> None:
    assert format_range_value(datetime(2025, 1, 2, 3, 4, 5)) == "2025-01-02 03:04:05"
    assert format_range_value(datetime(2025, 1, 2, 3, 4, 5, tzinfo=timezone(timedelta(hours=2)))) == (
        "2025-01-02 01:04:05"
    )
    assert format_range_value(date(2025, 1, 2)) == "2025-01-02 00:00:00"
    assert format_range_value("2025-01-02 00:00:00") == "2025-01-02 00:00:00"
