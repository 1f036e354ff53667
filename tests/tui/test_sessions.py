"""Sessions list -> session detail -> transcript in order; in-place refresh when events are committed."""

from __future__ import annotations

from textual.pilot import Pilot
from textual.widgets import DataTable, Static

from mhc_core.db.notify import CHANNEL_EVENTS, notify
from mhc_core.services import interactions
from mhc_tui.screens.person import PersonScreen
from mhc_tui.screens.session_detail import SessionDetailScreen
from mhc_tui.screens.sessions import SessionsScreen
from mhc_tui.widgets.session_transcript import SessionTranscript
from tests.tui.conftest import wait_until as wait_for

from .conftest import later


async def open_sessions(app, pilot: Pilot) -> SessionsScreen:  # type: ignore[no-untyped-def]
    await wait_for(pilot, lambda: app.db is not None)
    await app.switch_mode("sessions")
    await wait_for(pilot, lambda: isinstance(app.screen, SessionsScreen))
    table = app.screen.query_one("#sessions-table", DataTable)
    await wait_for(pilot, lambda: table.row_count > 0)
    return app.screen


def row(table: DataTable, index: int) -> list[str]:
    return [str(cell) for cell in table.get_row_at(index)]


async def test_sessions_list_then_detail_then_person(make_app, seed_room):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_sessions(app, pilot)
        table = screen.query_one("#sessions-table", DataTable)
        assert table.row_count == 2
        # Newest first: the LIVE one (20:00 until the fixed clock's 21:30), then yesterday's.
        assert row(table, 0) == [str(seed_room.session_id), "2026-11-24 20:00", "1h30m", "LIVE", "625", "3", "3",
                                 "1", "carol_x (500)"]
        assert row(table, 1) == [str(seed_room.previous_session_id), "2026-11-23 20:00", "3h10m", "ENDED", "250",
                                 "1", "0", "0", "bob_the_tipper (250)"]

        table.focus()
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, SessionDetailScreen) and app.screen.query(SessionTranscript))
        detail = app.screen
        transcript = detail.query_one(SessionTranscript)
        await wait_for(pilot, lambda: transcript.row_count == 8)
        lines = [row(transcript, i) for i in range(transcript.row_count)]
        assert [(time_[11:], user, kind, what) for time_, user, kind, what in lines] == [
            ("20:02:00", "alice_01", "chat", "hi hudson! 👋"),
            ("20:03:30", "bob_the_tipper", "tip", "100 tokens — for the playlist"),
            ("20:12:00", "dave99", "PM", "are you doing a show on friday?"),
            ("20:20:00", "alice_01", "tip", "25 tokens"),
            ("20:55:00", "bob_the_tipper", "chat", "that was great"),
            ("21:02:00", "carol_x", "tip", "500 tokens — tip menu: song request"),
            ("21:20:00", "frank_new", "chat", "first time here"),
            ("21:29:30", "alice_01", "chat", "brb"),
        ]
        # Tips stand out: their cells carry the transcript--tip style, chat lines do not.
        assert transcript.get_row_at(1)[3].style and not transcript.get_row_at(0)[3].style
        summary = str(detail.query_one("#detail-summary", Static).render())
        assert "tokens 625 in 3 tips" in summary and "LIVE" in summary
        assert "1. carol_x  500" in str(detail.query_one("#detail-tippers", Static).render())
        assert "carol_x" in str(detail.query_one("#detail-followers", Static).render())

        transcript.focus()
        await pilot.press("down", "down", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, PersonScreen))
        assert app.screen.person_id == seed_room.person_ids["dave99"]


async def test_pm_direction_and_live_refresh(make_app, seed_room, db):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_sessions(app, pilot)
        table = screen.query_one("#sessions-table", DataTable)
        with db.session() as s:
            interactions.append(
                s, seed_room.person_ids["dave99"], "PRIVATE_MESSAGE", content="see you friday",
                timestamp=later(-1), source="cb_events", stream_session_id=seed_room.session_id,
                metadata={"direction": "out", "from_user": "hudson_cage", "to_user": "dave99"},
            )
            interactions.append(
                s, seed_room.person_ids["eve_lurker"], "TIP_EVENT", timestamp=later(-1), source="cb_events",
                stream_session_id=seed_room.session_id, metadata={"tokens": 1000},
            )
            notify(s, CHANNEL_EVENTS, {"broadcaster": "hudson_cage", "count": 2})  # as capture does
        keys_before = list(table.rows)
        await wait_for(pilot, lambda: row(table, 0)[4] == "1,625")
        assert list(table.rows) == keys_before  # updated in place, not rebuilt
        assert row(table, 0)[8] == "eve_lurker (1,000)"

        app.open_session(seed_room.session_id)
        await wait_for(pilot, lambda: isinstance(app.screen, SessionDetailScreen) and app.screen.query(SessionTranscript))
        transcript = app.screen.query_one(SessionTranscript)
        await wait_for(pilot, lambda: transcript.row_count == 10)
        # Both at 21:29, before alice's "brb" at 21:29:30: time order, not arrival order.
        assert row(transcript, 7)[1:] == ["dave99", "PM to", "see you friday"]
        assert row(transcript, 8)[1:] == ["eve_lurker", "tip", "1,000 tokens"]
        assert row(transcript, 9)[1:] == ["alice_01", "chat", "brb"]

        # While the detail is open: one late line that belongs before the last shown, one new at the end.
        with db.session() as s:
            for minutes, text in ((-2, "late line"), (0, "newest line")):
                interactions.append(
                    s, seed_room.person_ids["frank_new"], "CHAT_MESSAGE", content=text, timestamp=later(minutes),
                    source="cb_events", stream_session_id=seed_room.session_id,
                )
            notify(s, CHANNEL_EVENTS, {"broadcaster": "hudson_cage", "count": 2})
        await wait_for(pilot, lambda: transcript.row_count == 12)
        assert [row(transcript, i)[3] for i in range(7, 12)] == [
            "late line", "see you friday", "1,000 tokens", "brb", "newest line"]
