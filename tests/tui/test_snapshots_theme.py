"""How the dashboard looks in the light theme (seeded data, fixed clock, 120x40).

Regenerate after an intended change with `pytest tests/tui/test_snapshots_theme.py --snapshot-update`.
"""

from __future__ import annotations

from mhc_tui.theme import DAYLIGHT
from tests.tui.conftest import dashboard_loaded, wait_until

SIZE = (120, 40)


def test_dashboard_in_daylight(snap_compare, make_app, settings, seed_room):
    app = make_app(settings=settings.model_copy(update={"theme": DAYLIGHT.name}))

    async def settle(pilot) -> None:  # type: ignore[no-untyped-def]
        await wait_until(pilot, lambda: dashboard_loaded(app) and app.health.summary is not None, what="dashboard")
        await pilot.pause(0.2)

    assert snap_compare(app, terminal_size=SIZE, run_before=settle)
