"""The recap from the sessions screen (`r`): each figure of the selected session beside the sessions before."""

from __future__ import annotations

from textual.pilot import Pilot
from textual.widgets import DataTable, Label

from mhc_tui.screens.recap import RecapScreen
from mhc_tui.screens.sessions import SessionsScreen
from tests.tui.conftest import settle
from tests.tui.conftest import wait_until as wait_for
from tests.tui.test_sessions import open_sessions

SIZE = (120, 40)


async def _open_recap(app, pilot: Pilot) -> RecapScreen:  # type: ignore[no-untyped-def]
    screen = await open_sessions(app, pilot)
    screen.query_one("#sessions-table", DataTable).focus()
    await pilot.press("r")
    await wait_for(pilot, lambda: isinstance(app.screen, RecapScreen))
    recap = app.screen
    table = recap.query_one("#recap-table", DataTable)
    await wait_for(pilot, lambda: table.row_count > 0)
    return recap


def _figures(recap: RecapScreen) -> dict[str, list[str]]:
    table = recap.query_one("#recap-table", DataTable)
    return {str(table.get_row_at(i)[0]): [str(c) for c in table.get_row_at(i)[1:]] for i in range(table.row_count)}


async def test_r_shows_the_live_sessions_recap_beside_the_session_before(make_app, seed_room):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        recap = await _open_recap(app, pilot)
        assert recap.session_id == seed_room.session_id  # the newest, selected first
        figures = _figures(recap)
        # The LIVE session (625 tokens in 3 tips, carol's 500 the biggest) beside yesterday's (250 in 1).
        assert figures["tokens"] == ["625", "250"]
        assert figures["tips"] == ["3", "1"]
        assert figures["biggest tip"] == ["500", "250"]
        assert figures["duration"] == ["1h30m", "3h10m"]
        status = str(recap.query_one("#recap-status", Label).render())
        assert "the figures so far" in status and "compared with the session before" in status
        assert "carol_x (500 tk), bob_the_tipper (100 tk)" in str(recap.query_one("#recap-tippers", Label).render())

        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, SessionsScreen))


async def test_the_first_session_has_nothing_to_compare_with(make_app, seed_room):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_sessions(app, pilot)
        table = screen.query_one("#sessions-table", DataTable)
        table.focus()
        await pilot.press("down")  # yesterday's, the first session there is
        await pilot.press("r")
        await wait_for(pilot, lambda: isinstance(app.screen, RecapScreen))
        recap = app.screen
        await wait_for(pilot, lambda: recap.query_one("#recap-table", DataTable).row_count > 0)
        assert recap.session_id == seed_room.previous_session_id
        assert _figures(recap)["tokens"] == ["250", "-"]
        assert "no session before to compare with" in str(recap.query_one("#recap-status", Label).render())


def test_recap_snapshot(make_app, seed_room, snap_compare):
    async def run_before(pilot: Pilot) -> None:
        await _open_recap(pilot.app, pilot)
        await settle(pilot)
        # The table sizes its columns to the rows when idle: on a loaded machine that comes after the
        # rows are in, so wait for it rather than catch a header sized for no rows.
        await pilot.pause(0.1)
        await pilot.pause()

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)
