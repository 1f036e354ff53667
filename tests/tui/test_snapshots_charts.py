"""How the dashboard looks with its charts (seeded data, fixed clock, 120x40): the LIVE session beside
the one before, the last session once none is LIVE, and in the light theme.

Regenerate after an intended change with `pytest tests/tui/test_snapshots_charts.py --snapshot-update`.
"""

from __future__ import annotations

from mhc_core.services import sessions
from mhc_tui.theme import DAYLIGHT
from tests.tui.conftest import BROADCASTER, NOW, dashboard_loaded, settle, wait_until

SIZE = (120, 40)


def _ready(app) -> bool:  # type: ignore[no-untyped-def]
    return dashboard_loaded(app) and app.health.summary is not None


def test_dashboard_charts_of_the_live_session(snap_compare, make_app, seed_room):
    app = make_app()

    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        await wait_until(pilot, lambda: _ready(app), what="dashboard")
        await settle(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_dashboard_charts_of_the_last_session(snap_compare, make_app, seed_room, db):
    with db.session() as s:
        sessions.end(s, BROADCASTER, at=NOW)
    app = make_app()

    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        await wait_until(pilot, lambda: _ready(app), what="dashboard")
        await settle(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_dashboard_charts_in_daylight(snap_compare, make_app, settings, seed_room):
    app = make_app(settings=settings.model_copy(update={"theme": DAYLIGHT.name}))

    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        await wait_until(pilot, lambda: _ready(app), what="dashboard")
        await settle(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)
