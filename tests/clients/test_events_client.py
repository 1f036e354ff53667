"""EventsClient against the fake Events API over real sockets."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

import pytest

from mhc_core.clients.errors import AuthError
from mhc_core.clients.event_models import ChatMessageEvent, TipEvent
from mhc_core.clients.events import EventsClient, SlidingWindowLimiter
from tests.clients.helpers import (
    all_log_text,
    assert_no_secret,
    collect,
    events_client,
    exception_chain_text,
)
from tests.fakes import FakeApis, make_event, scripted_broadcast


async def test_streams_a_whole_broadcast_in_order(fake_apis: FakeApis) -> None:
    ids = fake_apis.push(*scripted_broadcast())
    client, statuses = events_client(fake_apis)
    async with client:
        batches = await collect(client, events=len(ids))
    received = [e for b in batches for e in b.events]
    assert [e.id for e in received] == ids
    assert all(e.parsed is not None and e.error is None for e in received)
    assert {e.method for e in received} >= {"broadcastStart", "tip", "privateMessage", "roomSubjectChange"}
    assert batches[-1].cursor == ids[-1]
    first = fake_apis.requests_for("events")[0]
    assert first.param("timeout") == "1" and first.param("i") is None
    assert [s.state for s in statuses][:2] == ["connecting", "connected"]
    assert statuses[-1].state == "stopped"


async def test_empty_polls_are_yielded_so_the_caller_sees_liveness(fake_apis: FakeApis) -> None:
    client, _ = events_client(fake_apis, timeout=0)
    async with client:
        batches = await collect(client, batches=2)
    assert [b.events for b in batches] == [[], []]
    assert batches[0].cursor is None
    assert batches[0].received_at.tzinfo is not None


async def test_resumes_from_a_saved_cursor(fake_apis: FakeApis) -> None:
    ids = fake_apis.push(*[make_event("chatMessage", text=f"m{i}") for i in range(10)])
    client, _ = events_client(fake_apis)
    async with client:
        batches = await collect(client, events=5, cursor=ids[4])
    assert [e.id for e in batches[0].events] == ids[5:]
    assert fake_apis.requests_for("events")[0].param("i") == ids[4]


async def test_empty_batch_keeps_the_previous_cursor(fake_apis: FakeApis) -> None:
    ids = fake_apis.push(make_event("userEnter"))
    client, _ = events_client(fake_apis, timeout=0)
    async with client:
        batches = await collect(client, batches=3)
    assert [b.cursor for b in batches] == [ids[0]] * 3


async def test_long_poll_wakes_as_soon_as_an_event_arrives(fake_apis: FakeApis) -> None:
    client, _ = events_client(fake_apis, timeout=20)
    loop = asyncio.get_running_loop()
    loop.call_later(0.3, fake_apis.push, make_event("tip", tokens=50))
    started = time.monotonic()
    async with client:
        batches = await collect(client, events=1, deadline=5)
    assert time.monotonic() - started < 2
    tip = batches[-1].events[0].parsed
    assert isinstance(tip, TipEvent) and tip.tip.tokens == 50


async def test_backlog_is_read_in_server_sized_batches(fake_apis_factory) -> None:
    fake = fake_apis_factory(events_per_batch=10)
    ids = fake.push(*[make_event("chatMessage", text=str(i)) for i in range(95)])
    client, _ = events_client(fake)
    async with client:
        batches = await collect(client, events=95)
    assert [len(b.events) for b in batches] == [10] * 9 + [5]
    assert [b.cursor for b in batches] == [ids[i] for i in range(9, 95, 10)] + [ids[94]]


async def test_damaged_and_unknown_events_are_kept_and_the_stream_goes_on(fake_apis: FakeApis) -> None:
    fake_apis.push({"method": "newThing", "object": {"x": 1}})
    fake_apis.push({"method": "tip", "object": {"broadcaster": "hudson_cage", "tip": {"tokens": "lots"}}})
    fake_apis.push(["not", "an", "object"], {"object": {}}, raw=True)
    fake_apis.push(make_event("chatMessage", text="still here"))
    client, _ = events_client(fake_apis)
    async with client:
        batches = await collect(client, events=5)
    events = [e for b in batches for e in b.events]
    assert [e.parsed is None for e in events] == [True, True, True, True, False]
    assert "unknown method 'newThing'" in (events[0].error or "")
    assert "invalid tip" in (events[1].error or "")
    assert events[3].id.startswith("sha256:") and "no id" in (events[3].error or "")
    assert isinstance(events[4].parsed, ChatMessageEvent)
    # The cursor follows the server's nextUrl even past events without ids.
    assert batches[-1].cursor == fake_apis.event_ids[-1]


# -- faults --------------------------------------------------------------------------------------

FAULTS = [
    pytest.param({"status": 500}, id="500"),
    pytest.param({"status": 502}, id="502"),
    pytest.param({"status": 503}, id="503"),
    pytest.param({"status": 504}, id="504"),
    pytest.param({"status": 520}, id="520"),
    pytest.param({"status": 524}, id="524"),
    pytest.param({"status": 404, "body": {"status": "Not found"}}, id="other-4xx"),
    pytest.param({"status": 302, "body": b""}, id="redirect"),
    pytest.param({"kind": "truncated_json"}, id="truncated-json"),
    pytest.param({"kind": "not_json"}, id="not-json"),
    pytest.param({"kind": "drop"}, id="dropped-connection"),
    pytest.param({"status": 200, "body": {"events": []}}, id="no-nextUrl"),
    pytest.param({"status": 200, "body": {"nextUrl": "http://x/"}}, id="no-events"),
]


@pytest.mark.parametrize("fault", FAULTS)
async def test_transient_faults_are_retried_on_the_same_url(fake_apis: FakeApis, fault: dict) -> None:
    ids = fake_apis.push(make_event("userEnter"), make_event("chatMessage"))
    first = await _first_batch_cursor(fake_apis)
    fake_apis.push(make_event("tip"))
    kind = fault.pop("kind", "status")
    fake_apis.add_fault(kind, "events", times=2, **fault)
    fake_apis.clear_requests()

    client, statuses = events_client(fake_apis)
    async with client:
        batches = await collect(client, events=1, cursor=first)
    assert batches[0].events[0].method == "tip"
    requests = fake_apis.requests_for("events")
    assert [r.fault for r in requests] == [kind, kind, None]
    assert {r.param("i") for r in requests} == {ids[-1]}, "the retry must reuse the same cursor"
    retrying = [s for s in statuses if s.state == "retrying"]
    assert [s.attempt for s in retrying] == [1, 2]
    assert all(s.retry_in is not None and s.last_error for s in retrying)
    assert statuses[-2].state == "connected" and statuses[-1].state == "stopped"


async def _first_batch_cursor(fake: FakeApis) -> str | None:
    client, _ = events_client(fake)
    async with client:
        batches = await collect(client, batches=1)
    return batches[0].cursor


async def test_429_retry_after_is_honoured(fake_apis: FakeApis) -> None:
    fake_apis.fail(429, retry_after=1, body={"status": "Too many requests"})
    fake_apis.push(make_event("follow"))
    client, statuses = events_client(fake_apis, backoff_cap=5)
    async with client:
        await collect(client, events=1)
    first, second = fake_apis.requests_for("events")[:2]
    assert second.time - first.time >= 0.95
    assert any(s.state == "retrying" and s.retry_in and s.retry_in >= 1 for s in statuses)


async def test_retry_after_is_capped(fake_apis: FakeApis) -> None:
    fake_apis.fail(503, retry_after=3600)
    client, statuses = events_client(fake_apis, timeout=0, backoff_cap=0.3)
    async with client:
        await collect(client, batches=1, deadline=3)
    assert max(s.retry_in or 0 for s in statuses) <= 0.3


async def test_persistent_failure_backs_off_and_never_spins(fake_apis: FakeApis) -> None:
    fake_apis.fail(500, times=10_000)
    client, statuses = events_client(fake_apis, backoff_base=0.05, backoff_cap=0.2)
    task = asyncio.create_task(collect(client, batches=1, deadline=30))
    await asyncio.sleep(1.5)
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    await client.aclose()
    count = len(fake_apis.requests_for("events"))
    # Delays: >=0.025, >=0.05, then >=0.1 each; 1.5 s allows at most ~16 requests.
    assert 4 <= count <= 17
    attempts = [s.attempt for s in statuses if s.state == "retrying"]
    assert attempts == list(range(1, len(attempts) + 1))
    assert "HTTP 500" in (statuses[-2].last_error or "")
    assert statuses[-1].state == "stopped"


async def test_read_timeout_is_retried(fake_apis: FakeApis, monkeypatch: pytest.MonkeyPatch) -> None:
    import httpx

    # A tiny read timeout instead of hold+5 s keeps the test fast; the rule itself is asserted below.
    assert EventsClient.timeout_for(30).read == 35
    monkeypatch.setattr(EventsClient, "timeout_for", staticmethod(lambda hold: httpx.Timeout(5.0, read=0.3)))
    fake_apis.add_fault("delay", delay=1.0)
    fake_apis.push(make_event("userEnter"))
    client, statuses = events_client(fake_apis, timeout=0)
    async with client:
        batches = await collect(client, events=1)
    assert batches[0].events[0].method == "userEnter"
    assert any(s.state == "retrying" and "timeout" in (s.last_error or "") for s in statuses)


async def test_a_slow_answer_within_the_hold_is_not_an_error(fake_apis: FakeApis) -> None:
    fake_apis.add_fault("delay", delay=0.5)
    fake_apis.push(make_event("userEnter"))
    client, statuses = events_client(fake_apis)
    async with client:
        await collect(client, events=1)
    assert "retrying" not in {s.state for s in statuses}


async def test_connection_refused_is_reported_and_retried() -> None:
    with FakeApis() as fake:
        base, token, broadcaster = fake.base_url, fake.events_token, fake.broadcaster
    statuses = []
    client = EventsClient(
        base, broadcaster, token, 1, backoff_base=0.02, backoff_cap=0.05, on_status=statuses.append
    )
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(collect(client, batches=1, deadline=60), 0.5)
    await client.aclose()
    retrying = [s for s in statuses if s.state == "retrying"]
    assert len(retrying) >= 2
    assert retrying[0].last_error == "connection refused"


# -- auth -------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [401, 403])
async def test_rejected_token_stops_with_auth_error(fake_apis: FakeApis, status: int) -> None:
    fake_apis.fail(status, body={"status": "Unauthorized"})
    client, statuses = events_client(fake_apis)
    async with client:
        with pytest.raises(AuthError) as caught:
            await collect(client, batches=1)
    assert len(fake_apis.requests_for("events")) == 1, "no retry after 401/403"
    assert caught.value.source == "events"
    assert str(caught.value) == f"Chaturbate Events API rejected the token (HTTP {status})"
    assert client.status.state == "auth_failed"
    assert statuses[-1].state == "auth_failed"


async def test_wrong_token_is_auth_failed(fake_apis: FakeApis) -> None:
    client = EventsClient(fake_apis.events_base_url, fake_apis.broadcaster, "WRONGtokenXXXXXXXXXXXXXX", 1)
    async with client:
        with pytest.raises(AuthError):
            await collect(client, batches=1)
    assert client.status.state == "auth_failed"


async def test_token_revoked_mid_stream_stops_the_stream(fake_apis: FakeApis) -> None:
    fake_apis.push(make_event("userEnter"))
    client, _ = events_client(fake_apis)
    got = []
    async with client:
        with pytest.raises(AuthError):
            async with contextlib.aclosing(client.batches()) as stream:
                async for batch in stream:
                    got.append(batch)
                    fake_apis.revoke("events")
    assert len(got) == 1 and len(fake_apis.requests_for("events")) == 2


# -- quirks -------------------------------------------------------------------------------------


async def test_400_waited_too_long_is_an_empty_batch(fake_apis: FakeApis) -> None:
    ids = fake_apis.push(make_event("userEnter"))
    fake_apis.add_fault("waited_too_long")
    client, statuses = events_client(fake_apis, timeout=0)
    async with client:
        batches = await collect(client, batches=2, cursor=ids[0])
    assert [b.events for b in batches] == [[], []]
    assert batches[0].cursor == ids[0]
    assert fake_apis.requests_for("events")[0].fault == "waited_too_long"
    assert "retrying" not in {s.state for s in statuses}


async def test_foreign_next_url_is_refused_and_polling_resumes_from_base(
    fake_apis: FakeApis, fake_apis_factory, caplog: pytest.LogCaptureFixture
) -> None:
    evil = fake_apis_factory()  # another port on the same host: a different origin
    ids = fake_apis.push(make_event("userEnter"))
    fake_apis.add_fault("foreign_next_url", url=evil.base_url)
    fake_apis.add_fault("foreign_next_url", url="http://evil.example:81")
    fake_apis.add_fault("foreign_next_url", url=fake_apis.base_url.replace("http:", "https:"))
    caplog.set_level(logging.WARNING, logger="mhc_core.clients.events")
    client, statuses = events_client(fake_apis, timeout=0)
    async with client:
        batches = await collect(client, batches=4)
    assert evil.requests == []
    requests = fake_apis.requests_for("events")
    assert len(requests) == 4
    assert [r.param("i") for r in requests[1:]] == [ids[0]] * 3
    assert all(r.path == requests[0].path for r in requests)
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert f"security: refused nextUrl to foreign host http://127.0.0.1:{evil.port}" in warnings
    assert "security: refused nextUrl to foreign host http://evil.example:81" in warnings
    assert f"security: refused nextUrl to foreign host https://127.0.0.1:{fake_apis.port}" in warnings
    assert batches[0].cursor == ids[0]
    assert "retrying" not in {s.state for s in statuses}


async def test_redirects_are_not_followed(fake_apis: FakeApis, fake_apis_factory) -> None:
    evil = fake_apis_factory()
    target = evil.events_base_url + f"/events/{fake_apis.broadcaster}/{fake_apis.events_token}/?timeout=0"
    fake_apis.fail(307, body=b"", headers={"Location": target})
    client, statuses = events_client(fake_apis, timeout=0)
    async with client:
        await collect(client, batches=1)
    assert evil.requests == []
    assert any(s.state == "retrying" and "redirect" in (s.last_error or "") for s in statuses)


# -- rate limit -----------------------------------------------------------------------------------


async def test_instant_empty_answers_cannot_exceed_the_rate_limit(fake_apis: FakeApis) -> None:
    client, _ = events_client(fake_apis, timeout=0, max_requests_per_minute=5)
    task = asyncio.create_task(collect(client, batches=1000, deadline=30))
    await asyncio.sleep(1.0)
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    await client.aclose()
    assert len(fake_apis.requests_for("events")) == 5


async def test_sliding_window_limiter_allows_limit_per_window() -> None:
    limiter = SlidingWindowLimiter(3, window=0.3)
    started = time.monotonic()
    for _ in range(3):
        await limiter.acquire()
    assert time.monotonic() - started < 0.1
    await limiter.acquire()  # the 4th must wait for the first to leave the window
    assert time.monotonic() - started >= 0.29


# -- secrets ----------------------------------------------------------------------------------------


async def test_token_never_appears_in_logs_errors_status_or_repr(
    fake_apis: FakeApis, fake_apis_factory, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    token = fake_apis.events_token
    evil = fake_apis_factory()
    fake_apis.push(make_event("userEnter"))
    fake_apis.fail(500)
    fake_apis.fail(404, body={"status": f"no such token {token}"})
    fake_apis.add_fault("drop")
    fake_apis.add_fault("foreign_next_url", url=evil.base_url)
    fake_apis.add_fault("truncated_json")
    client, statuses = events_client(fake_apis, timeout=0)
    async with client:
        await collect(client, batches=3)
        fake_apis.revoke("events")
        with pytest.raises(AuthError) as caught:
            await collect(client, batches=1)
        assert_no_secret(repr(client) + str(client), token)
    assert_no_secret(exception_chain_text(caught.value), token)
    assert caught.value.__cause__ is None and caught.value.__context__ is None
    assert_no_secret(all_log_text(caplog.records), token)
    assert_no_secret(repr(statuses), token)
    assert "****" in all_log_text(caplog.records), "the masked URL should still be logged for diagnosis"
