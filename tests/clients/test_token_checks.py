"""Trying each token with one harmless call against the fake APIs: accepted, rejected or unreachable."""

from __future__ import annotations

import os
import socket
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

from mhc_core.config import load_settings
from mhc_core.setup.token_checks import TokenCheck, check_events, check_settings, check_statbate, check_stats
from tests.fakes import FakeApis

WRONG = "WRONGtok3n0123456789abcd"
Check = Callable[[str, str, str], Awaitable[TokenCheck]]


def closed_port_url() -> str:
    """A local URL nothing listens on: a port the system gave out and that was closed again."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def assert_no_token(check: TokenCheck, *tokens: str) -> None:
    for token in tokens:
        assert token not in check.message and token not in check.line


def the_check(fake: FakeApis, api: str) -> tuple[Check, str, str]:
    """The check of `api`, its base URL on the fake and the token the fake accepts."""
    if api == "events":
        return check_events, fake.events_base_url, fake.events_token
    if api == "stats":
        return check_stats, fake.stats_base_url, fake.stats_token
    return check_statbate, fake.statbate_base_url, fake.statbate_token


APIS = ("events", "stats", "statbate")


@pytest.mark.parametrize("api", APIS)
async def test_the_right_token_is_accepted(fake_apis: FakeApis, api: str) -> None:
    check, base, token = the_check(fake_apis, api)
    result = await check(base, fake_apis.broadcaster, token)
    assert (result.api, result.verdict) == (api, "accepted")
    assert result.message.startswith("accepted")
    assert fake_apis.broadcaster in result.message
    assert_no_token(result, token)
    assert len(fake_apis.requests_for(api)) == 1, "one request, no retries"


@pytest.mark.parametrize("api", APIS)
async def test_a_wrong_token_is_rejected(fake_apis: FakeApis, api: str) -> None:
    check, base, token = the_check(fake_apis, api)
    result = await check(base, fake_apis.broadcaster, WRONG)
    assert result.verdict == "rejected"
    assert "HTTP 401" in result.message
    assert_no_token(result, WRONG, token)
    assert len(fake_apis.requests_for(api)) == 1, "a rejected token is not tried again"


@pytest.mark.parametrize("api", APIS)
async def test_a_revoked_token_is_rejected(fake_apis: FakeApis, api: str) -> None:
    check, base, token = the_check(fake_apis, api)
    fake_apis.revoke(api)  # type: ignore[arg-type]
    result = await check(base, fake_apis.broadcaster, token)
    assert result.verdict == "rejected"
    assert "revoked" in result.message
    assert_no_token(result, token)


@pytest.mark.parametrize("api", APIS)
async def test_a_server_nobody_answers_on_is_unreachable(fake_apis: FakeApis, api: str) -> None:
    check, _base, token = the_check(fake_apis, api)
    base = closed_port_url() + ("/statbate/api" if api == "statbate" else "")
    result = await check(base, fake_apis.broadcaster, token)
    assert result.verdict == "unreachable"
    assert result.message.startswith("unreachable")
    assert "refused" in result.message
    assert_no_token(result, token)


async def test_an_events_url_with_another_username_is_rejected(fake_apis: FakeApis) -> None:
    result = await check_events(fake_apis.events_base_url, "someone_else", fake_apis.events_token)
    assert result.verdict == "rejected"
    assert "HTTP 404" in result.message
    assert_no_token(result, fake_apis.events_token)


async def test_the_events_check_answers_at_once_and_keeps_nothing(fake_apis: FakeApis) -> None:
    fake_apis.push({"method": "userEnter", "object": {"broadcaster": "hudson_cage", "user": {"username": "alice"}}})
    data_home = Path(os.environ["XDG_DATA_HOME"])
    result = await check_events(fake_apis.events_base_url, fake_apis.broadcaster, fake_apis.events_token)
    assert result.verdict == "accepted"
    [request] = fake_apis.requests_for("events")
    assert request.param("timeout") == "0"
    assert request.param("i") is None, "the first URL, from no saved cursor"
    assert not data_home.exists() or not any(data_home.iterdir()), "nothing written"


async def test_a_statbate_member_is_looked_up(fake_apis: FakeApis) -> None:
    fake_apis.add_member(fake_apis.broadcaster)
    result = await check_statbate(fake_apis.statbate_base_url, fake_apis.broadcaster, fake_apis.statbate_token)
    assert result.verdict == "accepted"
    assert result.message == f"accepted: looked up {fake_apis.broadcaster}"


async def test_check_settings_tries_what_is_configured(fake_apis: FakeApis) -> None:
    settings = load_settings(
        broadcaster=fake_apis.broadcaster,
        events_base_url=fake_apis.events_base_url,
        events_token=fake_apis.events_token,
        stats_base_url=fake_apis.stats_base_url,
        stats_token=WRONG,
        statbate_base_url=fake_apis.statbate_base_url,
    )
    checks = await check_settings(settings)
    assert [(c.api, c.verdict) for c in checks] == [
        ("events", "accepted"), ("stats", "rejected"), ("statbate", "not_configured"),
    ]
    assert "MHC_STATBATE_TOKEN" in checks[2].message
    assert fake_apis.requests_for("statbate") == [], "a missing token is not tried"
    for check in checks:
        assert_no_token(check, fake_apis.events_token, WRONG)


async def test_nothing_configured_is_said_for_each_token() -> None:
    checks = await check_settings(load_settings())
    assert [(c.api, c.verdict) for c in checks] == [
        ("events", "not_configured"), ("stats", "not_configured"), ("statbate", "not_configured"),
    ]
    assert [c.as_json()["verdict"] for c in checks] == ["not_configured"] * 3


async def test_a_hold_that_ran_out_still_means_the_events_token_works(fake_apis: FakeApis) -> None:
    fake_apis.add_fault("waited_too_long")  # HTTP 400 "Waited too long" with a nextUrl
    result = await check_events(fake_apis.events_base_url, fake_apis.broadcaster, fake_apis.events_token)
    assert result.verdict == "accepted"


@pytest.mark.parametrize("api", APIS)
async def test_a_server_error_is_unreachable_after_one_request(fake_apis: FakeApis, api: str) -> None:
    check, base, token = the_check(fake_apis, api)
    fake_apis.fail(503, api, times=3)  # type: ignore[arg-type]
    result = await check(base, fake_apis.broadcaster, token)
    assert result.verdict == "unreachable"
    assert "503" in result.message
    assert len(fake_apis.requests_for(api)) == 1, "a check does not retry"
    assert_no_token(result, token)


@pytest.mark.parametrize("username", ["hudson_cage", "someone_else"])
async def test_an_events_check_does_not_log_that_polling_stopped_or_retries(
    fake_apis: FakeApis, caplog: pytest.LogCaptureFixture, username: str
) -> None:
    """A check is one request: the log must not tell of a capture that stopped or is retrying."""
    token = WRONG if username == fake_apis.broadcaster else fake_apis.events_token
    result = await check_events(fake_apis.events_base_url, username, token)
    assert result.verdict == "rejected"
    said = " ".join(record.getMessage() for record in caplog.records)
    assert "polling stopped" not in said and "retrying" not in said
