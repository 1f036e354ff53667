"""How the lookup, person, sessions and session-detail screens look (fixed clock, seeded room, 120x40)."""

from __future__ import annotations

from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Static

from mhc_core.db.models import Person
from mhc_core.services import attributes, notes, snapshots, watchlists
from mhc_tui.screens.lookup import LookupScreen
from mhc_tui.screens.person import PersonScreen
from mhc_tui.screens.session_detail import SessionDetailScreen
from mhc_tui.screens.sessions import SessionsScreen
from mhc_tui.widgets.session_transcript import SessionTranscript
from tests.tui.conftest import wait_until as wait_for

from .conftest import later

SIZE = (120, 40)


async def settle(pilot: Pilot) -> None:
    """Let the last reads and the health line's first summary land, then draw."""
    await wait_for(pilot, lambda: pilot.app.health.summary is not None, what="the health summary")
    await pilot.wait_for_scheduled_animations()
    await pilot.pause()


def test_lookup_with_a_result(make_app, seed_room, snap_compare):
    async def run_before(pilot: Pilot) -> None:
        app = pilot.app
        await wait_for(pilot, lambda: app.db is not None)
        await app.switch_mode("lookup")
        await wait_for(pilot, lambda: isinstance(app.screen, LookupScreen))
        screen = app.screen
        screen.query_one("#lookup-name", Input).value = "alice_01"
        await pilot.press("ctrl+j")
        await wait_for(pilot, lambda: "Found alice_01" in str(screen.query_one("#lookup-status", Static).render()))
        await settle(pilot)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)


def test_person_overview(make_app, seed_room, db, snap_compare):
    carol = seed_room.person_ids["carol_x"]
    with db.session() as s:
        person = s.get(Person, carol)
        watchlists.set_member(s, watchlists.by_name(s, "Friends"), person, True)
        attributes.set_attribute(s, carol, "city", "Lisbon", confidence="high", evidence_type="chat")
        notes.add_note(s, person, "asked for the synthwave playlist", at=later(-5))
        for minutes, tokens in ((-60 * 24, 9_000), (-60, 9_800)):
            metrics = {"name": "carol_x", "did": 77, "all_time_tokens": tokens, "last_tip_amount": 500}
            snapshots.append(s, carol, "statbate_member", {"seed": True}, metrics, captured_at=later(minutes))

    async def run_before(pilot: Pilot) -> None:
        app = pilot.app
        await wait_for(pilot, lambda: app.db is not None)
        app.open_person(carol)
        await wait_for(pilot, lambda: isinstance(app.screen, PersonScreen) and app.screen.person is not None)
        await settle(pilot)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)


def test_sessions_list(make_app, seed_room, snap_compare):
    async def run_before(pilot: Pilot) -> None:
        app = pilot.app
        await wait_for(pilot, lambda: app.db is not None)
        await app.switch_mode("sessions")
        await wait_for(pilot, lambda: isinstance(app.screen, SessionsScreen)
                       and app.screen.query_one("#sessions-table", DataTable).row_count == 2)
        await settle(pilot)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)


def test_session_detail(make_app, seed_room, snap_compare):
    async def run_before(pilot: Pilot) -> None:
        app = pilot.app
        await wait_for(pilot, lambda: app.db is not None)
        app.open_session(seed_room.session_id)
        await wait_for(pilot, lambda: isinstance(app.screen, SessionDetailScreen)
                       and app.screen.query(SessionTranscript)
                       and app.screen.query_one(SessionTranscript).row_count == 8
                       and "tokens" in str(app.screen.query_one("#detail-summary", Static).render()))
        await settle(pilot)

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)
