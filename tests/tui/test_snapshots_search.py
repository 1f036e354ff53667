"""How the search screen looks with results (fixed clock, seeded room and a note, 120x40)."""

from __future__ import annotations

from textual.pilot import Pilot
from textual.widgets import Static

from mhc_core.db.models import Person
from mhc_core.services import notes
from mhc_tui.screens.search import SearchScreen
from tests.tui.conftest import later
from tests.tui.conftest import wait_until as wait_for

SIZE = (120, 40)


def test_search_with_results(make_app, seed_room, db, snap_compare):
    with db.session() as s:
        notes.add_note(s, s.get(Person, seed_room.person_ids["carol_x"]), "wants the playlist shared on friday",
                       at=later(-2))

    async def run_before(pilot: Pilot) -> None:
        app = pilot.app
        await wait_for(pilot, lambda: app.db is not None)
        await pilot.press("slash")
        await wait_for(pilot, lambda: isinstance(app.screen, SearchScreen))
        screen = app.screen
        await pilot.press(*"friday or playl", "enter")
        await wait_for(pilot, lambda: str(screen.query_one("#search-status", Static).render()).startswith("3 matches"))
        await wait_for(pilot, lambda: app.health.summary is not None, what="the health summary")
        await pilot.wait_for_scheduled_animations()
        await pilot.pause()

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)
