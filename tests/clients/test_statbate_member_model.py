"""GET /members/{site}/{name}/model/{model} against the fake over a socket: answer, 404, rejected token."""

from __future__ import annotations

import pytest

from mhc_core.clients.errors import AuthError
from mhc_core.clients.statbate import StatbateClient, normalize_member_model_spending
from tests.fakes import FakeApis


def statbate(fake: FakeApis) -> StatbateClient:
    return StatbateClient(fake.statbate_base_url, fake.statbate_token, backoff=0.01)


async def test_what_a_member_tipped_the_broadcaster(fake_apis: FakeApis) -> None:
    fake_apis.add_member("alice", did=42)
    fake_apis.add_member_model_spending("alice", "hudson_cage", [("2025-11-20", 300, 6), ("2025-11-18", 50, 1)])
    async with statbate(fake_apis) as client:
        body = await client.member_model_spending("alice", "hudson_cage")
    assert body is not None and set(body) == {"data", "meta"}
    assert body["data"]["total"] == {"tokens": 350, "usd": 17.5, "tips": 7}
    metrics = normalize_member_model_spending(body)
    assert (metrics["member"], metrics["did"], metrics["model"]) == ("alice", 42, "hudson_cage")
    assert (metrics["tokens"], metrics["tips"], metrics["usd"], metrics["days_tipped"]) == (350, 7, 17.5, 2)
    assert (metrics["first_date"], metrics["last_date"]) == ("2025-11-18", "2025-11-20")
    assert metrics["range_from"] is None and metrics["range_to"] is None  # no range asked, none echoed


async def test_the_range_asked_is_echoed_and_kept(fake_apis: FakeApis) -> None:
    fake_apis.add_member("alice")
    fake_apis.add_member_model_spending("alice", "hudson_cage", [])
    async with statbate(fake_apis) as client:
        body = await client.member_model_spending("alice", "hudson_cage", start="2025-11-01 00:00:00",
                                                  end="2025-11-30 23:59:59")
    metrics = normalize_member_model_spending(body)
    assert (metrics["range_from"], metrics["range_to"]) == ("2025-11-01 00:00:00", "2025-11-30 23:59:59")
    assert (metrics["tokens"], metrics["tips"], metrics["first_date"]) == (0, 0, None)


@pytest.mark.parametrize("known_member", [False, True])
async def test_unknown_member_or_model_is_none(fake_apis: FakeApis, known_member: bool) -> None:
    if known_member:
        fake_apis.add_member("alice")  # but no model "nobody_model"
    async with statbate(fake_apis) as client:
        assert await client.member_model_spending("alice", "nobody_model") is None
    assert fake_apis.requests_for("statbate")[-1].path.endswith("/members/chaturbate/alice/model/nobody_model")


async def test_rejected_token_is_auth_error(fake_apis: FakeApis) -> None:
    fake_apis.add_member("alice")
    fake_apis.revoke("statbate")
    async with statbate(fake_apis) as client:
        with pytest.raises(AuthError, match="HTTP 401"):
            await client.member_model_spending("alice", "hudson_cage")


def test_normaliser_survives_garbage() -> None:
    for raw in (None, [], "x", {"data": {"total": "lots", "daily_spending": [1, {"date": None}]}}):
        metrics = normalize_member_model_spending(raw)
        assert metrics["tokens"] is None and metrics["daily_spending"] == []
