"""CaptureService against the fake Events API over a real socket and a real Postgres."""

from __future__ import annotations

import asyncio
import json

import psycopg
import pytest
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from mhc_core.capture import listener
from mhc_core.capture.lock import CaptureLock
from mhc_core.db import open_database
from mhc_core.db.engine import APPLICATION_NAME
from mhc_core.services import sessions
from tests.capture.helpers import (
    TcpProxy,
    capture_settings,
    cursor,
    journaled,
    rows,
    running,
    scalar,
    wait_until,
)
from tests.fakes import make_event, scripted_broadcast

B = "hudson_cage"
# Only our capture lock in our own test database (the server is shared with other test runs).
LOCK_HOLDER_PID = (
    "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 1 "
    "AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
    "AND classid::bigint = :hi AND objid::bigint = :lo"
)
ME = APPLICATION_NAME.removeprefix("mhc:")


def damaged_and_foreign() -> list:
    return [
        {"method": "tip", "object": {"broadcaster": B, "user": {"username": "x1"}, "tip": {"tokens": "lots"}}},
        {"method": "spinTheWheel", "object": {"broadcaster": B, "user": {"username": "x2"}}},
        {"method": "chatMessage"},
        make_event("chatMessage", "eve", broadcaster="another_room", text="wrong room"),
    ]


async def test_a_scripted_broadcast_with_faults_lands_once_and_adds_up(db, database_url, fake_apis_factory) -> None:
    fake = fake_apis_factory(events_per_batch=5)
    script = scripted_broadcast(B)
    first_ids = fake.push(*script[:10])
    async with running(capture_settings(database_url, fake), db) as run:
        await wait_until(lambda: journaled(db) == 10, what="the first 10 events")
        # Faults mid-stream: a 500, a dropped connection, a truncated body, then the rest of the show.
        fake.fail(500)
        fake.add_fault("drop")
        fake.add_fault("truncated_json")
        rest_ids = fake.push(*script[10:], *damaged_and_foreign())
        fake.push("not an event at all", raw=True)
        total = len(script) + 5
        await wait_until(lambda: journaled(db) == total, what="every event journaled")
        await wait_until(lambda: cursor(db) == fake.event_ids[-1], what="the cursor at the last event")
        assert "retrying" in run.states()
        # The status is reported just after the commit that the two waits above saw.
        await wait_until(lambda: (run.service.statuses["capture"].journal_errors,
                                  run.service.statuses["capture"].events_captured) == (5, total),
                         what="the status counting every event")
    ids = first_ids + rest_ids
    assert [r[0] for r in rows(db, "SELECT event_id FROM event_log WHERE event_id NOT LIKE 'sha256:%' ORDER BY id")] == ids
    assert scalar(db, "SELECT count(DISTINCT event_id) FROM event_log") == total
    assert scalar(db, "SELECT count(*) FROM event_log WHERE error IS NOT NULL") == 5
    # One interaction per valid event, with the right content and metadata.
    found = rows(db, "SELECT i.type, p.username, i.content, i.metadata, i.event_id, i.stream_session_id "
                     "FROM interactions i JOIN persons p ON p.id = i.person_id ORDER BY i.timestamp, i.id")
    assert [f[4] for f in found] == ids[: len(script)]
    types = [f[0] for f in found]
    assert types.count("CHAT_MESSAGE") == 9 and types.count("USER_ENTER") == 3 and types.count("USER_LEAVE") == 3
    tips = {f[1]: (f[3]["tokens"], f[2], f[3]["is_anon"]) for f in found if f[0] == "TIP_EVENT"}
    assert tips == {"alice_01": (25, "great show", False), "carol_x": (100, None, True)}
    pms = [(f[1], f[3]["direction"], f[2]) for f in found if f[0] == "PRIVATE_MESSAGE"]
    assert pms == [("alice_01", "in", "hi in private"), ("alice_01", "out", "thanks!")]
    assert {f[5] for f in found} == {1}  # every event of the show is linked to its session
    names = {r[0] for r in rows(db, "SELECT username FROM persons")}
    assert names == {B, "alice_01", "bob_the_tipper", "carol_x"}  # nobody from damaged or foreign events
    with db.session() as s:
        show = sessions.get(s, 1)
        assert show.status == "ENDED" and show.origin == "auto"
        stats = sessions.stats(s, show)
    assert (stats.tokens, stats.tips, stats.chat_messages, stats.private_messages) == (125, 2, 9, 2)
    assert (stats.follows, stats.unfollows, stats.media_tokens, stats.unique_chatters) == (1, 1, 50, 3)
    assert run.events and all(e["event_id"] in ids for e in run.events)


async def test_restart_resumes_from_the_saved_cursor(db, database_url, fake_apis) -> None:
    settings = capture_settings(database_url, fake_apis)
    ids = fake_apis.push(*[make_event("chatMessage", "alice", text=f"m{i}") for i in range(10)])
    async with running(settings, db):
        await wait_until(lambda: cursor(db) == ids[-1], what="cursor saved")
    more = fake_apis.push(*[make_event("chatMessage", "bob", text=f"n{i}") for i in range(5)])
    fake_apis.clear_requests()
    async with running(settings, db):
        await wait_until(lambda: cursor(db) == more[-1], what="cursor saved again")
    assert fake_apis.requests_for("events")[0].param("i") == ids[-1]
    assert scalar(db, "SELECT count(*) FROM interactions") == 15


async def test_two_services_one_captures_the_other_observes_then_takes_over(db, database_url, fake_apis) -> None:
    settings = capture_settings(database_url, fake_apis)
    fake_apis.push(*[make_event("chatMessage", "alice", text=f"m{i}") for i in range(20)])
    async with running(settings, db) as first:
        await wait_until(lambda: first.state() == "connected", what="first connected")
        async with running(settings, db) as second:
            held = await wait_until(lambda: second.service.statuses.get("capture") if
                                    second.state() == "held_elsewhere" else None, what="second observing")
            assert held.holder == ME and held.message == f"held by {ME}"
            await wait_until(lambda: journaled(db) == 20)
            await asyncio.sleep(0.5)  # the observer retries a few times meanwhile
            assert second.state() == "held_elsewhere" and second.service.events_captured == 0
            await first.stop()
            await wait_until(lambda: second.state() == "connected", what="takeover")
            fake_apis.push(*[make_event("chatMessage", "bob", text=f"n{i}") for i in range(5)])
            await wait_until(lambda: journaled(db) == 25, what="events after takeover")
            assert second.service.events_captured == 5
    assert scalar(db, "SELECT count(*) FROM interactions") == 25


async def test_a_lost_lock_connection_stops_writing_and_capture_comes_back(db, database_url, fake_apis) -> None:
    async with running(capture_settings(database_url, fake_apis), db) as run:
        await wait_until(lambda: run.state() == "connected")
        holder_pid = scalar(db, LOCK_HOLDER_PID, **CaptureLock(db, B).advisory_key())
        assert scalar(db, "SELECT pg_terminate_backend(:p)", p=holder_pid)
        ids = fake_apis.push(*[make_event("tip", "bob", tokens=1) for _ in range(30)])
        await wait_until(lambda: cursor(db) == ids[-1], what="capture after the lock came back")
        assert "retrying" in run.states()
        new_pid = scalar(db, LOCK_HOLDER_PID, **CaptureLock(db, B).advisory_key())
        assert new_pid != holder_pid
    assert scalar(db, "SELECT count(*) FROM interactions") == 30


async def test_a_failing_write_is_retried_without_fetching_more_or_moving_the_cursor(
    db, database_url, fake_apis_factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = fake_apis_factory(events_per_batch=10)
    real = listener.write_batch
    seen: list[tuple[int, str | None]] = []

    def flaky(session, broadcaster, entries, cursor_value, **kw):
        if entries and len(seen) < 3:
            real(session, broadcaster, entries, cursor_value, **kw)  # written, then rolled back
            seen.append((len(fake.requests_for("events")), cursor(db)))
            raise OperationalError("COMMIT", {}, psycopg.OperationalError("server closed the connection"))
        return real(session, broadcaster, entries, cursor_value, **kw)

    monkeypatch.setattr(listener, "write_batch", flaky)
    ids = fake.push(*[make_event("chatMessage", "alice", text=f"m{i}") for i in range(25)])
    async with running(capture_settings(database_url, fake), db) as run:
        await wait_until(lambda: cursor(db) == ids[-1], what="all batches committed")
        retrying = [s for s in run.statuses if s.state == "retrying"]
    assert len(seen) == 3
    polls = [requests for requests, _ in seen]
    assert polls[-1] - polls[0] <= 1  # while the batch in hand is retried, at most the one prefetched poll
    assert {saved for _, saved in seen} == {None}  # the cursor never moved before the commit
    assert "database error" in retrying[0].message and retrying[0].retry_in is not None
    assert scalar(db, "SELECT count(*) FROM interactions") == 25 == journaled(db)


async def test_database_cut_off_for_a_while_loses_and_duplicates_nothing(db, database_url, fake_apis) -> None:
    url = make_url(database_url)
    proxy = TcpProxy((url.host or "127.0.0.1", url.port or 5432)).start()
    proxied = url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    settings = capture_settings(proxied, fake_apis)
    capture_db = open_database(settings)
    try:
        first = fake_apis.push(*[make_event("chatMessage", "alice", text=f"a{i}") for i in range(10)])
        async with running(settings, capture_db) as run:
            await wait_until(lambda: cursor(db) == first[-1])
            proxy.cut()
            second = fake_apis.push(*[make_event("tip", "bob", tokens=2) for _ in range(10)])
            await wait_until(lambda: any("database unreachable" in s.message for s in run.statuses),
                             what="retrying status")
            polls = len(fake_apis.requests_for("events"))
            await asyncio.sleep(0.8)
            assert cursor(db) == first[-1] and journaled(db) == 10
            # Beyond the one poll prefetched before the failure was known, the client waits.
            assert len(fake_apis.requests_for("events")) <= polls + 1
            polls = len(fake_apis.requests_for("events"))
            await asyncio.sleep(0.5)
            assert len(fake_apis.requests_for("events")) == polls
            proxy.restore()
            await wait_until(lambda: cursor(db) == second[-1], what="capture after the database came back")
            assert run.state() == "connected"
    finally:
        capture_db.dispose()
        proxy.cut()
    assert scalar(db, "SELECT count(*) FROM interactions") == 20 == journaled(db)
    assert scalar(db, "SELECT sum((metadata->>'tokens')::int) FROM interactions") == 20


async def test_no_tokens_means_not_configured_and_stop_is_immediate(db, database_url) -> None:
    async with running(capture_settings(database_url, None), db) as run:
        await wait_until(lambda: run.state() == "not_configured" and run.state("stats") == "not_configured")
        assert "MHC_EVENTS_TOKEN" in run.service.statuses["capture"].message
        assert "MHC_STATS_TOKEN" in run.service.statuses["stats"].message
        assert await run.stop() < 1


async def test_a_rejected_token_is_reported_and_not_retried(db, database_url, fake_apis) -> None:
    fake_apis.revoke("events")
    async with running(capture_settings(database_url, fake_apis), db) as run:
        status = await wait_until(lambda: run.service.statuses["capture"] if run.state() == "auth_failed" else None)
        assert status.message == "token rejected (HTTP 401)"
        await asyncio.sleep(0.3)
        assert len(fake_apis.requests_for("events")) == 1
        assert fake_apis.events_token not in json.dumps([s.message for s in run.statuses])
