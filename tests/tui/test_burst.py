"""A burst of notifications costs a bounded number of reads: at most one in flight and one pending per
view, however many arrive; and a change reads only what it touched where that is cheap (counted by the
views' public read counts and by the database's statements)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event, text
from textual.pilot import Pilot

from mhc_core.db import Database, open_database
from mhc_core.services import notes, persons
from mhc_tui.app import MHCApp
from mhc_tui.screens.person import PersonScreen
from mhc_tui.screens.session_detail import SessionDetailScreen
from mhc_tui.widgets.interactions_table import InteractionsTable
from mhc_tui.widgets.session_transcript import SessionTranscript
from tests.tui.conftest import dashboard_loaded, settle, wait_until

BURST = 1_000
# Per view: the read the first notification starts, one for all that came while it ran, and one more
# if the burst outlasts that one (its notifications are delivered over some time, not at one instant).
READS_PER_VIEW = 3


@contextmanager
def statements(db: Database) -> Iterator[list[str]]:
    """Every SQL statement the app's engine runs meanwhile."""
    seen: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def burst(db: Database, channel: str, payload_sql: str) -> None:
    """BURST notifications in one transaction, each payload distinct (Postgres folds identical ones)."""
    with db.engine.begin() as conn:
        conn.execute(text(f"SELECT pg_notify(:channel, ({payload_sql})::text) FROM generate_series(1, {BURST}) AS n"),
                     {"channel": channel})


async def heard(app: MHCApp, pilot: Pilot[Any], count: int) -> None:
    """Until the app has been handed `count` more notifications, and every read they caused has run."""
    start = app.live.changes
    await wait_until(pilot, lambda: app.live.changes >= start + count, timeout=20, what=f"{count} notifications")


async def test_a_burst_on_the_person_screen(make_app, seed_room, db):
    alice = seed_room.person_ids["alice_01"]
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: dashboard_loaded(app) and app.health.live_updates.state == "connected")
        app.open_person(alice)
        await wait_until(pilot, lambda: isinstance(app.screen, PersonScreen) and app.screen.person is not None)
        screen = app.screen
        assert isinstance(screen, PersonScreen)
        person, interactions = screen.person_read, screen.query_one(InteractionsTable).page_read
        before = (person.reads, interactions.reads, app.live.reads)
        with statements(db) as ran:
            burst(db, "mhc_events", "json_build_object('broadcaster', 'hudson_cage', 'count', 1, 'max_id', n)")
            burst(db, "mhc_persons", f"json_build_object('person_id', '{alice}', 'what', 'note', 'id', n)")
            await heard(app, pilot, 2 * BURST)
        assert 1 <= person.reads - before[0] <= READS_PER_VIEW
        assert 1 <= interactions.reads - before[1] <= READS_PER_VIEW
        # Every view that follows these channels and is shown: this screen's two, and the App's summary.
        assert app.live.reads - before[2] <= 3 * READS_PER_VIEW
        assert len(ran) < 100  # a few statements per read, nothing per notification


async def test_a_burst_on_the_session_screen(make_app, seed_room, db):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: dashboard_loaded(app) and app.health.live_updates.state == "connected")
        app.open_session(seed_room.session_id)
        await wait_until(pilot, lambda: isinstance(app.screen, SessionDetailScreen)
                         and app.screen.query_one(SessionTranscript).row_count == 8)
        screen = app.screen
        assert isinstance(screen, SessionDetailScreen)
        before = (screen.detail_read.reads, app.live.reads)
        with statements(db) as ran:
            burst(db, "mhc_events", "json_build_object('broadcaster', 'hudson_cage', 'count', 1, 'max_id', n)")
            burst(db, "mhc_sessions", f"json_build_object('broadcaster', 'hudson_cage', 'id', "
                                      f"{seed_room.session_id}, 'status', 'LIVE', 'n', n)")
            await heard(app, pilot, 2 * BURST)
        assert 1 <= screen.detail_read.reads - before[0] <= READS_PER_VIEW
        assert app.live.reads - before[1] <= 2 * READS_PER_VIEW  # this screen's and the App's summary
        assert len(ran) < 60
        assert screen.query_one(SessionTranscript).row_count == 8  # still showing what is stored



async def test_a_new_note_is_read_alone(make_app, seed_room, db, settings):
    """A note added elsewhere re-reads the notes (and the interactions page), not the whole person."""
    alice = seed_room.person_ids["alice_01"]
    elsewhere = open_database(settings)  # another console's connection: its statements are not counted
    app = make_app()
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await wait_until(pilot, lambda: dashboard_loaded(app) and app.health.live_updates.state == "connected")
            app.open_person(alice)
            await wait_until(pilot, lambda: isinstance(app.screen, PersonScreen) and app.screen.person is not None)
            screen = app.screen
            assert isinstance(screen, PersonScreen)
            with statements(db) as whole:
                screen.person_read.request()
                await settle(pilot)
            with statements(db) as narrow:
                with elsewhere.session() as s:
                    person = persons.get_person(s, alice)
                    assert person is not None
                    notes.add_note(s, person, "read alone")
                await wait_until(pilot, lambda: screen.person is not None and screen.person.notes_total == 1)
            shown = screen.person
            assert shown is not None and [n.content for n in shown.notes] == ["read alone"]
            # The notes and the interactions page, both one page of interactions, against the whole person.
            assert len(narrow) < len(whole)
    finally:
        elsewhere.dispose()
