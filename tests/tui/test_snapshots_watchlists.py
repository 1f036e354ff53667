"""How the watchlists screen and the `a` list picker look (fixed clock, seeded room, 120x40)."""

from __future__ import annotations

from textual.pilot import Pilot

from mhc_tui.screens.list_picker import ListPickerModal
from mhc_tui.screens.watchlists import WatchlistsScreen
from mhc_tui.widgets.event_feed import FeedView
from tests.tui.conftest import dashboard_loaded
from tests.tui.conftest import wait_until as wait_for
from tests.tui.test_watchlists import seed_friends

SIZE = (120, 40)


async def settle(pilot: Pilot) -> None:
    """Let the last reads and the health line's first summary land, then draw."""
    await wait_for(pilot, lambda: pilot.app.health.summary is not None, what="the health summary")
    await pilot.wait_for_scheduled_animations()
    await pilot.pause()


def test_watchlists_with_a_seeded_list(make_app, seed_room, db, snap_compare):
    seed_friends(db, seed_room)

    async def run_before(pilot: Pilot) -> None:
        app = pilot.app
        await wait_for(pilot, lambda: dashboard_loaded(app), what="dashboard")
        await pilot.press("w")
        await wait_for(pilot, lambda: isinstance(app.screen, WatchlistsScreen) and app.screen.detail is not None)
        await settle(pilot)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)


def test_list_picker_on_a_feed_line(make_app, seed_room, db, snap_compare):
    seed_friends(db, seed_room)

    async def run_before(pilot: Pilot) -> None:
        app = pilot.app
        await wait_for(pilot, lambda: dashboard_loaded(app), what="dashboard")
        view = app.screen.query_one(FeedView)
        view.focus()
        await pilot.press("end")  # alice_01's "brb"
        await pilot.press("a")
        await wait_for(pilot, lambda: isinstance(app.screen, ListPickerModal) and app.screen.memberships is not None)
        await settle(pilot)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)
