"""Alerts in the capturing process: CaptureService fires them once per event, across a restart."""

from __future__ import annotations

import asyncio
import sys
import time

import pytest

from mhc_core.capture.service import CaptureService
from tests.alerts.helpers import caught_up, stored
from tests.capture.helpers import FAST, capture_settings, cursor, wait_until
from tests.fakes import make_event

pytestmark = pytest.mark.asyncio
RULES = [{"when": "tip", "min_tokens": 500}]


async def run_until(settings, db, predicate) -> list[dict]:
    alerts: list[dict] = []
    service = CaptureService(settings, db, on_alerts=alerts.extend, tuning=FAST)
    task = asyncio.create_task(service.run())
    try:
        await wait_until(lambda: predicate(alerts), timeout=20, what="alerts")
        await asyncio.sleep(0.3)
    finally:
        service.stop()
        await asyncio.wait_for(task, 20)
    return alerts


async def test_capture_fires_each_alert_once_across_a_restart(db, database_url, fake_apis):
    settings = capture_settings(database_url, fake_apis, alerts=RULES)
    await run_until(settings, db, lambda _: caught_up(db))  # the engine starts tracking here
    fake_apis.push(make_event("tip", "big_bob", tokens=1000), make_event("tip", "small_sam", tokens=5))
    first = await run_until(settings, db, bool)
    assert [(a["kind"], a["text"]) for a in first] == [("alert", "big_bob tipped 1,000 tokens")]
    again = await run_until(settings, db, lambda _: cursor(db) == fake_apis.event_ids[-1])
    assert again == [] and len(stored(db)) == 1


async def test_a_hanging_alert_command_does_not_stall_capture(db, database_url, fake_apis):
    hang = f"{sys.executable} -c \"import time; time.sleep(60)\""
    settings = capture_settings(database_url, fake_apis, alerts=[{"when": "tip", "min_tokens": 1}],
                                alert_command=hang)
    await run_until(settings, db, lambda _: caught_up(db))
    fake_apis.push(*[make_event("tip", f"fan_{i}", tokens=1) for i in range(6)])
    started = time.monotonic()
    fired = await run_until(settings, db, lambda a: len(a) == 6)
    assert len(fired) == 6 and cursor(db) == fake_apis.event_ids[-1]
    assert time.monotonic() - started < 40
