"""Helpers for the alert tests: settings with rules, the engine run until it has caught up, stored alerts."""

from __future__ import annotations

import asyncio
from typing import Any

from mhc_core.alerts.engine import AlertEngine
from mhc_core.config import Settings
from mhc_core.db import Database
from tests.capture.helpers import B, rows, scalar


def alert_settings(database_url: str, rules: list[dict[str, Any]] | None, **overrides: Any) -> Settings:
    return Settings(database_url=database_url, broadcaster=B, alerts=rules, **overrides)


def caught_up(db: Database) -> bool:
    state = scalar(db, "SELECT last_interaction_id FROM radar_state WHERE broadcaster = :b", b=B)
    return state is not None and state >= (scalar(db, "SELECT coalesce(max(id), 0) FROM interactions") or 0)


async def evaluate(settings: Settings, db: Database, *, settled: Any = None, timeout: float = 15.0) -> list[dict]:
    """Run an engine until it has evaluated every stored interaction; what it handed out."""
    handed: list[dict] = []
    engine = AlertEngine(settings, db, settled=settled, on_alerts=handed.extend)
    task = asyncio.create_task(engine.run())
    engine.wake()
    deadline = asyncio.get_running_loop().time() + timeout
    while not caught_up(db):
        assert asyncio.get_running_loop().time() < deadline, "the engine did not catch up"
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.1)  # the batch's hand-out follows its commit
    engine.stop()
    await asyncio.wait_for(task, timeout)
    return handed


def stored(db: Database) -> list[tuple[str, str]]:
    """(rule, text) of every stored alert, in firing order."""
    return [(r.rule, r.text) for r in rows(db, "SELECT rule, text FROM alerts ORDER BY id")]
