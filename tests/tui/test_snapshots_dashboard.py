"""How the dashboard and the help screen look (seeded data, fixed clock, 120x40).

Regenerate after an intended change with `pytest tests/tui/test_snapshots_dashboard.py --snapshot-update`.
"""

from __future__ import annotations

from tests.tui.conftest import dashboard_loaded, settle, wait_until

SIZE = (120, 40)


def _ready(app) -> bool:  # type: ignore[no-untyped-def]
    return dashboard_loaded(app) and app.health.summary is not None


def test_dashboard_with_a_live_session(snap_compare, make_app, seed_room):
    app = make_app()

    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        await wait_until(pilot, lambda: _ready(app), what="dashboard")
        await settle(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_dashboard_with_nothing_stored(snap_compare, make_app, db):
    app = make_app()

    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        await wait_until(pilot, lambda: _ready(app), what="dashboard")
        await settle(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_dashboard_feed_filtered_to_tips(snap_compare, make_app, seed_room):
    app = make_app()

    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        await wait_until(pilot, lambda: _ready(app), what="dashboard")
        await pilot.press("3")
        await settle(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_help_screen(snap_compare, make_app, seed_room):
    app = make_app()

    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        await wait_until(pilot, lambda: _ready(app), what="dashboard")
        await pilot.press("question_mark")
        await settle(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)
