"""The person screen's analysis tab: its figures, its charts, and how it looks (seeded room, fixed clock)."""

from __future__ import annotations

from textual.pilot import Pilot
from textual.widgets import Sparkline, Static, TabbedContent

from mhc_core.clients.statbate import normalize_member_info, normalize_member_model_spending
from mhc_core.kinds import SnapshotSource
from mhc_core.services import snapshots
from mhc_tui.screens.person import PersonScreen
from mhc_tui.widgets.analysis_panel import AnalysisPanel
from tests.fakes.server import default_member_info
from tests.tui.conftest import wait_until as wait_for

from .conftest import later

SIZE = (120, 40)


def seed_statbate(db, person_id) -> None:  # type: ignore[no-untyped-def]
    member = {"data": default_member_info("bob_the_tipper")}
    on_me = {"data": {"member": {"name": "bob_the_tipper", "did": 1}, "model": {"name": "hudson_cage", "rid": 2},
                      "total": {"tokens": 500, "usd": 25.0, "tips": 4},
                      "daily_spending": [{"date": "2026-11-23", "tokens": 400, "usd": 20.0, "tips": 3},
                                         {"date": "2026-11-24", "tokens": 100, "usd": 5.0, "tips": 1}]},
             "meta": {"site": "chaturbate", "timezone": "UTC", "range": []}}
    with db.session() as s:
        snapshots.append(s, person_id, SnapshotSource.STATBATE_MEMBER.value, member, normalize_member_info(member),
                         captured_at=later(-10))
        snapshots.append(s, person_id, SnapshotSource.STATBATE_MEMBER_MODEL.value, on_me,
                         normalize_member_model_spending(on_me), captured_at=later(-10))


async def open_analysis(pilot: Pilot, person_id) -> AnalysisPanel:  # type: ignore[no-untyped-def]
    app = pilot.app
    await wait_for(pilot, lambda: app.db is not None)
    app.open_person(person_id)  # type: ignore[attr-defined]
    await wait_for(pilot, lambda: isinstance(app.screen, PersonScreen) and app.screen.person is not None)
    await pilot.press("7")
    assert app.screen.query_one(TabbedContent).active == "analysis"
    panel = app.screen.query_one(AnalysisPanel)
    figures = panel.query_one("#analysis-figures", Static)
    await wait_for(pilot, lambda: "Room tips" in str(figures.render()), what="the analysis figures")
    return panel


async def test_the_analysis_tab_shows_room_statbate_and_loyalty_figures(make_app, seed_room, db):
    bob = seed_room.person_ids["bob_the_tipper"]
    seed_statbate(db, bob)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        panel = await open_analysis(pilot, bob)
        text = str(panel.query_one("#analysis-figures", Static).render())
        assert "350 tk in 2 tips" in text and "largest 250" in text
        assert "trend: fewer than 10 sessions" in text
        assert "all time 12,345 tk" in text and "last 2 weeks 150 tk" in text
        assert "Statbate 500 tk / 4 tips" in text and "coverage 70%" in text  # 350 of 500 in the room
        assert "2 of 2 sessions · streak 2" in text
        assert panel.query_one("#analysis-sessions", Sparkline).data == [250, 100]
        hours = str(panel.query_one("#analysis-hours", Static).render())
        assert hours.splitlines()[1].startswith("Mon") and len(hours.splitlines()) == 8


async def test_someone_never_in_the_room_reads_not_enough_data(make_app, seed_room, db):
    me = seed_room.person_ids["hudson_cage"]
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        panel = await open_analysis(pilot, me)
        text = str(panel.query_one("#analysis-figures", Static).render())
        assert "Room tips    not enough data" in text and "Loyalty      not enough data" in text
        assert not panel.query_one("#analysis-hours", Static).display
        assert not panel.query_one("#analysis-sessions", Sparkline).display


def test_analysis_panel_looks(make_app, seed_room, db, snap_compare):
    carol = seed_room.person_ids["carol_x"]  # first seen at a seeded time, so the identity panel is fixed
    seed_statbate(db, carol)

    async def run_before(pilot: Pilot) -> None:
        await open_analysis(pilot, carol)
        await wait_for(pilot, lambda: pilot.app.health.summary is not None, what="the health summary")  # type: ignore[attr-defined]
        await pilot.wait_for_scheduled_animations()
        await pilot.pause()

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)
