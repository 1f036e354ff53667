"""The stats poller: one cb_stats snapshot per good reading, nothing on failure, only by the capture holder."""

from __future__ import annotations

import asyncio

import psycopg

from mhc_core.db.notify import conninfo
from tests.capture.helpers import capture_settings, rows, running, scalar, wait_until

B = "hudson_cage"


def snapshot_count(db) -> int:
    return scalar(db, "SELECT count(*) FROM snapshots WHERE source = 'cb_stats'")


async def test_a_reading_is_appended_with_minus_one_as_null_and_announced(db, database_url, fake_apis) -> None:
    with psycopg.connect(conninfo(database_url), autocommit=True) as listen_conn:
        listen_conn.execute("LISTEN mhc_stats")
        async with running(capture_settings(database_url, fake_apis, stats=True, stats_poll_seconds=60), db) as run:
            await wait_until(lambda: snapshot_count(db) == 1, what="the first poll, right at start")
            await wait_until(lambda: run.state("stats") == "connected")
            await asyncio.sleep(0.3)
            assert snapshot_count(db) == 1  # the next poll is a minute away
        notes = list(listen_conn.notifies(timeout=1, stop_after=1))
    assert notes and notes[0].channel == "mhc_stats" and f'"broadcaster": "{B}"' in notes[0].payload
    (raw, metrics, username, role), = rows(
        db, "SELECT s.raw_payload, s.normalized_metrics, p.username, p.role FROM snapshots s "
            "JOIN persons p ON p.id = s.person_id")
    assert (username, role) == (B, "MODEL")
    assert raw["time_online"] == -1 and metrics["time_online_minutes"] is None and metrics["online"] is False
    assert metrics["token_balance"] == 1500 and metrics["num_followers"] == 250


async def test_a_failed_poll_appends_nothing_and_says_so_then_the_next_one_works(db, database_url, fake_apis) -> None:
    fake_apis.fail(500, api="stats")
    async with running(capture_settings(database_url, fake_apis, stats=True, stats_poll_seconds=1), db) as run:
        failed = await wait_until(lambda: next((s for s in run.statuses if s.component == "stats"
                                                and s.state == "retrying"), None), what="a failed poll")
        assert "HTTP 500" in failed.message and failed.retry_in == 1.0
        assert snapshot_count(db) == 0
        await wait_until(lambda: snapshot_count(db) == 1, timeout=5, what="the next poll")
        await wait_until(lambda: run.state("stats") == "connected", what="the status after the good poll")
        assert snapshot_count(db) == 1


async def test_a_rejected_stats_token_stops_polling(db, database_url, fake_apis) -> None:
    fake_apis.revoke("stats")
    async with running(capture_settings(database_url, fake_apis, stats=True, stats_poll_seconds=1), db) as run:
        await wait_until(lambda: run.state("stats") == "auth_failed")
        assert run.service.statuses["stats"].message == "token rejected (HTTP 401)"
        await asyncio.sleep(1.3)
        assert len(fake_apis.requests_for("stats")) == 1 and snapshot_count(db) == 0


async def test_only_the_capture_holder_polls(db, database_url, fake_apis) -> None:
    settings = capture_settings(database_url, fake_apis, stats=True, stats_poll_seconds=60)
    async with running(settings, db) as first:
        await wait_until(lambda: snapshot_count(db) == 1)
        async with running(settings, db) as second:
            await wait_until(lambda: second.state("stats") == "held_elsewhere")
            await asyncio.sleep(0.3)
        assert first.state("stats") == "connected"
    assert snapshot_count(db) == 1 and len(fake_apis.requests_for("stats")) == 1
