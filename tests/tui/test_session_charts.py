"""The dashboard charts: shown with the session and the one before, hidden and shown again with `g`,
and one honest line when there is no session yet."""

from __future__ import annotations

from textual.widgets import Static

from mhc_tui.widgets.session_charts import NO_SESSION, SessionCharts
from tests.tui.conftest import dashboard_loaded, settle, wait_until


async def test_g_hides_and_shows_the_charts(make_app, seed_room):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: dashboard_loaded(app), what="dashboard")
        charts = app.screen.query_one(SessionCharts)
        assert charts.display and charts.region.height == 10
        assert charts.border_title == f"Charts · session {seed_room.session_id} (LIVE)"
        await pilot.press("g")
        await settle(pilot)
        assert not charts.display and charts.region.height == 0
        await pilot.press("g")
        await settle(pilot)
        assert charts.display and charts.region.height == 10


async def test_the_charts_draw_the_live_and_previous_sessions(make_app, seed_room):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: dashboard_loaded(app), what="dashboard")
        view = app.screen.query_one(SessionCharts).view
        assert view is not None and view.session is not None and view.previous is not None
        assert view.session.session_id == seed_room.session_id
        assert view.previous.session_id == seed_room.previous_session_id
        # 20:03:30 bob 100 (bucket 0-5), 20:20 alice 25 (20-25), 21:02 carol 500 (60-65); 90 minutes in.
        assert len(view.session.tokens) == 18
        assert (view.session.tokens[0], view.session.tokens[4], view.session.tokens[12]) == (100, 25, 500)
        assert [(p.minute, p.viewers) for p in view.viewers] == [(80.0, 41), (85.0, 44)]


async def test_no_session_yet_is_one_line(make_app, db):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: dashboard_loaded(app), what="dashboard")
        charts = app.screen.query_one(SessionCharts)
        assert str(charts.query_one("#charts-empty", Static).render()) == NO_SESSION
        assert charts.region.height == 3
