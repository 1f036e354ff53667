"""The session screen's paste box imports a transcript (one line says what it did; again adds nothing), `e` on
the session and person screens writes a CSV under the data folder's exports/, and how the paste box looks."""

from __future__ import annotations

import csv
import io

from textual import events
from textual.pilot import Pilot

from mhc_tui.screens.person import PersonScreen
from mhc_tui.screens.session_detail import SessionDetailScreen
from mhc_tui.screens.transcript_paste import TranscriptPasteModal
from mhc_tui.widgets.session_transcript import SessionTranscript
from tests.tui.conftest import notices
from tests.tui.conftest import wait_until as wait_for

SIZE = (120, 40)
PASTE = (
    "User zoe_new has joined the room.\n"
    "zoe_new: imported hello 🎶\n"
    "bob_the_tipper tipped 30 tokens -- encore\n"
    "garbled line nobody reads\n"
)


async def open_detail(app, pilot: Pilot, session_id: int) -> SessionDetailScreen:  # type: ignore[no-untyped-def]
    await wait_for(pilot, lambda: app.db is not None)
    app.open_session(session_id)
    await wait_for(pilot, lambda: isinstance(app.screen, SessionDetailScreen) and app.screen.query(SessionTranscript))
    screen = app.screen
    await wait_for(pilot, lambda: screen.query_one(SessionTranscript).row_count > 0)
    return screen


async def paste_and_import(app, pilot: Pilot) -> None:  # type: ignore[no-untyped-def]
    await pilot.press("p")
    await wait_for(pilot, lambda: isinstance(app.screen, TranscriptPasteModal))
    app.post_message(events.Paste(PASTE))  # as the terminal hands in a paste
    await pilot.pause()
    await pilot.press("ctrl+j")
    await wait_for(pilot, lambda: isinstance(app.screen, SessionDetailScreen))


async def test_paste_box_imports_once_and_says_so(make_app, seed_room):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        detail = await open_detail(app, pilot, seed_room.session_id)
        await paste_and_import(app, pilot)
        line = f"3 lines imported into session {seed_room.session_id}, 0 already there, 1 unreadable"
        await wait_for(pilot, lambda: line in notices(app), what=f"{line!r} in {notices(app)}")
        # The session's own figures are the capture's: the imported tip is not among them.
        assert "625" in str(detail.query_one("#detail-summary").render())

        await paste_and_import(app, pilot)
        again = f"0 lines imported into session {seed_room.session_id}, 3 already there, 1 unreadable"
        await wait_for(pilot, lambda: again in notices(app))
        found = app.data.search("imported hello")
        assert [(h.username, h.type) for h in found.hits] == [("zoe_new", "CHAT_IMPORT")]


async def test_escape_leaves_the_paste_box_without_importing(make_app, seed_room):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_detail(app, pilot, seed_room.session_id)
        await pilot.press("p")
        await wait_for(pilot, lambda: isinstance(app.screen, TranscriptPasteModal))
        app.post_message(events.Paste(PASTE))  # as the terminal hands in a paste
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, SessionDetailScreen))
        assert app.data.search("imported hello").hits == ()


async def test_e_exports_the_session_and_the_person_as_csv(make_app, seed_room, settings):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await open_detail(app, pilot, seed_room.session_id)
        await pilot.press("e")
        folder = settings.resolved_data_dir / "exports"
        session_file = folder / f"session-{seed_room.session_id}-20261124T213000.csv"
        await wait_for(pilot, lambda: any(str(session_file) in n for n in notices(app)))
        rows = list(csv.DictReader(io.StringIO(session_file.read_text(encoding="utf-8-sig"), newline="")))
        assert len(rows) == 17  # every interaction of the LIVE session, every type
        assert rows[2] == {"timestamp": "2026-11-24T20:02:00+00:00", "type": "CHAT_MESSAGE", "username": "alice_01",
                           "tokens": "", "content": "hi hudson! 👋", "source": "cb_events", "event_id": "seed-2"}

        app.open_person(seed_room.person_ids["bob_the_tipper"])
        await wait_for(pilot, lambda: isinstance(app.screen, PersonScreen) and app.screen.person is not None)
        await pilot.press("e")
        person_file = folder / "person-bob_the_tipper-20261124T213000.csv"
        await wait_for(pilot, lambda: any(str(person_file) in n for n in notices(app)))
        tips = [(r["type"], r["tokens"]) for r in csv.DictReader(
            io.StringIO(person_file.read_text(encoding="utf-8-sig"), newline=""))]
        assert tips == [("TIP_EVENT", "250"), ("USER_ENTER", ""), ("TIP_EVENT", "100"), ("CHAT_MESSAGE", "")]


def test_paste_box_snapshot(make_app, seed_room, snap_compare):
    async def run_before(pilot: Pilot) -> None:
        app = pilot.app
        await open_detail(app, pilot, seed_room.session_id)
        await pilot.press("p")
        await wait_for(pilot, lambda: isinstance(app.screen, TranscriptPasteModal))
        app.post_message(events.Paste(PASTE))  # as the terminal hands in a paste
        await wait_for(pilot, lambda: app.health.summary is not None, what="the health summary")
        await pilot.wait_for_scheduled_animations()
        await pilot.pause()

    assert snap_compare(make_app(), terminal_size=SIZE, run_before=run_before)
