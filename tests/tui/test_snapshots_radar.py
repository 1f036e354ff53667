"""How the live radar looks: the room list with figures, tiers and badges (seeded data, fixed clock, 120x40).

Regenerate after an intended change with `pytest tests/tui/test_snapshots_radar.py --snapshot-update`.
"""

from __future__ import annotations

from mhc_tui.widgets.room_list import RoomList
from tests.tui.conftest import dashboard_loaded, settle, wait_until
from tests.tui.test_room_radar import seed_radar

SIZE = (120, 40)


def test_room_list_with_figures_tiers_and_badges(snap_compare, make_app, seed_room, db):
    seed_radar(db, seed_room)
    app = make_app()

    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        await wait_until(pilot, lambda: dashboard_loaded(app) and app.health.summary is not None, what="dashboard")
        app.screen.query_one(RoomList).focus()
        await pilot.press("o")  # by tokens this session
        await settle(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)
