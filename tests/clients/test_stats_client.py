"""StatsClient against the fake Stats API."""

from __future__ import annotations

import logging

import pytest

from mhc_core.clients.errors import AuthError, MalformedResponseError, TransientError
from mhc_core.clients.stats import STATS_KEYS, StatsClient, normalize_stats
from tests.clients.helpers import all_log_text, assert_no_secret, exception_chain_text
from tests.fakes import FakeApis


def stats_client(fake: FakeApis, token: str | None = None) -> StatsClient:
    return StatsClient(fake.stats_base_url, fake.broadcaster, token or fake.stats_token)


async def test_fetch_offline_sample(fake_apis: FakeApis) -> None:
    async with stats_client(fake_apis) as client:
        reading = await client.fetch()
    assert reading.raw == fake_apis.stats_payload
    assert reading.metrics["token_balance"] == 1500
    assert reading.metrics["time_online_minutes"] is None
    assert reading.metrics["online"] is False
    assert reading.metrics["last_broadcast"] == "2026-11-23T22:00:00.000000"
    assert reading.fetched_at.tzinfo is not None
    request = fake_apis.requests_for("stats")[0]
    assert request.path == "/statsapi/"
    assert request.param("username") == fake_apis.broadcaster
    assert request.param("token") == fake_apis.stats_token


async def test_fetch_online(fake_apis: FakeApis) -> None:
    fake_apis.stats_payload.update(time_online=42, num_viewers=17)
    async with stats_client(fake_apis) as client:
        reading = await client.fetch()
    assert reading.metrics["online"] is True
    assert reading.metrics["time_online_minutes"] == 42
    assert reading.metrics["num_viewers"] == 17


async def test_wrong_token_is_auth_error(fake_apis: FakeApis) -> None:
    async with stats_client(fake_apis, token="WRONGtokenXXXXXXXXXXXXXX") as client:
        with pytest.raises(AuthError) as caught:
            await client.fetch()
    assert caught.value.source == "stats"
    assert str(caught.value) == "Chaturbate Stats API rejected the token (HTTP 401)"


async def test_200_with_a_token_error_body_is_auth_error(fake_apis: FakeApis) -> None:
    fake_apis.stats_payload = {"error": "Invalid token"}
    async with stats_client(fake_apis) as client:
        with pytest.raises(AuthError):
            await client.fetch()


@pytest.mark.parametrize("status", [429, 500, 502, 503, 520])
async def test_server_errors_are_transient(fake_apis: FakeApis, status: int) -> None:
    fake_apis.fail(status, "stats", retry_after=30 if status == 429 else None)
    async with stats_client(fake_apis) as client:
        with pytest.raises(TransientError) as caught:
            await client.fetch()
        assert f"HTTP {status}" in str(caught.value)
        if status == 429:
            assert caught.value.retry_after == 30
        assert (await client.fetch()).metrics["token_balance"] == 1500  # next poll works
    assert len(fake_apis.requests_for("stats")) == 2, "no internal retry"


@pytest.mark.parametrize("kind", ["truncated_json", "not_json"])
async def test_non_json_is_malformed(fake_apis: FakeApis, kind: str) -> None:
    fake_apis.add_fault(kind, "stats")
    async with stats_client(fake_apis) as client:
        with pytest.raises(MalformedResponseError):
            await client.fetch()


async def test_invalid_payload_is_malformed(fake_apis: FakeApis) -> None:
    fake_apis.stats_payload = {**fake_apis.stats_payload, "token_balance": "lots"}
    async with stats_client(fake_apis) as client:
        with pytest.raises(MalformedResponseError) as caught:
            await client.fetch()
    assert "token_balance" in str(caught.value)


async def test_dropped_connection_is_transient(fake_apis: FakeApis) -> None:
    fake_apis.add_fault("drop", "stats")
    async with stats_client(fake_apis) as client:
        with pytest.raises(TransientError):
            await client.fetch()


async def test_connection_refused_message_and_no_token_anywhere(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    with FakeApis() as fake:
        token, base = fake.stats_token, fake.stats_base_url
    client = StatsClient(base, "hudson_cage", token)
    with pytest.raises(TransientError) as caught:
        await client.fetch()
    await client.aclose()
    assert str(caught.value) == "Chaturbate Stats API unreachable: connection refused"
    assert caught.value.__context__ is None and caught.value.__cause__ is None
    assert_no_secret(exception_chain_text(caught.value) + repr(client), token)
    assert_no_secret(all_log_text(caplog.records), token)


async def test_httpx_request_log_is_masked(fake_apis: FakeApis, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="httpx")
    async with stats_client(fake_apis) as client:
        await client.fetch()
    text = all_log_text(caplog.records)
    assert "statsapi" in text, "httpx logs requests at INFO"
    assert_no_secret(text, fake_apis.stats_token)


def test_normalize_stats_sentinels_and_missing_keys() -> None:
    out = normalize_stats({"token_balance": -1, "last_broadcast": -1, "time_online": -1, "votes_up": "7"})
    assert tuple(out) == STATS_KEYS
    assert out["token_balance"] is None and out["last_broadcast"] is None
    assert out["online"] is False and out["time_online_minutes"] is None
    assert out["votes_up"] == 7
    assert out["num_tokened_viewers"] is None
    empty = normalize_stats({})
    assert all(v is None for k, v in empty.items() if k != "online") and empty["online"] is False
    assert normalize_stats({"time_online": 0})["online"] is True
