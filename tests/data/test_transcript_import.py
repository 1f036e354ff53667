"""Transcript import through the data door: idempotent, every line accounted for, session figures untouched,
imported lines searchable; export rows read back from CSV and JSON equal to what is stored."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from mhc_core.config import Settings
from mhc_core.data.door import Data
from mhc_core.data.export_views import BOM, EXPORT_FIELDS
from mhc_core.db import Database
from mhc_core.db.models import Interaction
from mhc_core.services import interactions, persons, sessions

T0 = datetime(2026, 11, 24, 20, 0, tzinfo=UTC)

TRANSCRIPT = """\
User alice_01 has joined the room.
alice_01: hi there, love the synthwave
bob_the_tipper tipped 25 tokens -- for the playlist

Notice: ⭐ @carol99 has followed you
Notice: 1. bob_the_tipper (1234 tks) 2. alice_01 (50 tks)
room subject changed to "Synthwave night"
New private message from dave_x
Notice: something the rules do not know
this line is prose nobody can read
alice_01: hi there, love the synthwave
User alice_01 has left the room.
"""


@pytest.fixture
def data(db: Database, settings: Settings) -> Data:
    return Data(db, settings, clock=lambda: T0 + timedelta(hours=3))


@pytest.fixture
def session_id(db: Database, settings: Settings) -> int:
    with db.session() as s:
        live = sessions.start(s, settings.broadcaster, at=T0)
        bob = persons.find_or_create(s, "bob_the_tipper")
        # What the capture recorded: the truth of the session's figures.
        interactions.append(s, bob.id, "TIP_EVENT", content="captured", timestamp=T0 + timedelta(minutes=5),
                            source="cb_events", metadata={"tokens": 100}, event_id="cb-1", stream_session_id=live.id)
        interactions.append(s, bob.id, "CHAT_MESSAGE", content="hello", timestamp=T0 + timedelta(minutes=6),
                            source="cb_events", event_id="cb-2", stream_session_id=live.id)
        return live.id


def test_every_line_is_stored_or_counted_and_a_second_import_adds_nothing(data, db, session_id):
    first = data.import_transcript(session_id, TRANSCRIPT)
    assert first is not None
    # 10 lines read (the unknown notice too): the leaderboard names two people, so 11 rows; the repeated
    # chat line is kept twice.
    assert (first.imported, first.duplicates, first.unreadable) == (11, 0, 1)
    assert first.unreadable_lines == ("this line is prose nobody can read",)
    assert first.persons == ("alice_01", "bob_the_tipper", "carol99", "dave_x")

    again = data.import_transcript(session_id, TRANSCRIPT)
    assert again is not None
    assert (again.imported, again.duplicates, again.unreadable) == (0, 11, 1)
    with db.session() as s:
        rows = s.scalars(select(Interaction).where(Interaction.type == "CHAT_IMPORT")
                         .order_by(Interaction.timestamp)).all()
        assert len(rows) == 11
        assert {r.source for r in rows} == {"transcript"}
        assert [r.meta["kind"] for r in rows] == [
            "enter", "chat", "tip", "follow", "leaderboard", "leaderboard", "subject", "pm_notice", "notice",
            "chat", "leave"]
        tip = rows[2]
        assert tip.meta == {"kind": "tip", "tokens": 25, "note": "for the playlist"}
        assert tip.content == "bob_the_tipper tipped 25 tokens -- for the playlist"
        assert rows[1].content == "hi there, love the synthwave"  # a chat line keeps the message
        # File order kept: the session's start plus one microsecond per stored row.
        assert [r.timestamp for r in rows] == [T0 + timedelta(microseconds=n) for n in range(1, 12)]


def test_a_line_added_later_is_the_only_thing_imported(data, session_id):
    data.import_transcript(session_id, TRANSCRIPT)
    grown = data.import_transcript(session_id, TRANSCRIPT + "erin_7: late to the party\n")
    assert grown is not None
    assert (grown.imported, grown.duplicates) == (1, 11)


def test_unreadable_lines_are_counted_whole_and_the_first_few_listed(data, session_id):
    junk = "\n".join(f"nonsense number {n} here" for n in range(12))
    done = data.import_transcript(session_id, "User alice_01 has joined the room.\n\n\n" + junk)
    assert done is not None
    assert (done.imported, done.unreadable) == (1, 12)  # blank lines are skipped, not unreadable
    assert done.unreadable_lines == tuple(f"nonsense number {n} here" for n in range(5))


def test_imported_lines_do_not_change_the_session_figures(data, session_id):
    before = data.session(session_id)
    data.import_transcript(session_id, TRANSCRIPT)
    after = data.session(session_id)
    assert before is not None and after is not None
    figures = ("tokens", "tips", "chat_messages", "private_messages", "unique_chatters", "follows", "unfollows")
    assert [getattr(after.session, f) for f in figures] == [getattr(before.session, f) for f in figures]
    assert (after.session.tokens, after.session.tips, after.session.chat_messages) == (100, 1, 1)


def test_an_imported_line_is_found_by_search(data, session_id):
    data.import_transcript(session_id, TRANSCRIPT)
    page = data.search("synthwave", types=["CHAT_IMPORT"])
    assert sorted((h.username, h.content) for h in page.hits) == [
        ("alice_01", "hi there, love the synthwave"),
        ("alice_01", "hi there, love the synthwave"),
        ("hudson_cage", 'room subject changed to "Synthwave night"'),  # a subject is the broadcaster's
    ]


def test_unknown_session_is_none(data, session_id):
    assert data.import_transcript(session_id + 1000, TRANSCRIPT) is None
    assert data.export_session(session_id + 1000) is None


def _stored(db: Database, session_id: int) -> list[list[str]]:
    with db.session() as s:
        rows = s.execute(
            select(Interaction, persons.Person.username)
            .join(persons.Person, persons.Person.id == Interaction.person_id)
            .where(Interaction.stream_session_id == session_id).order_by(Interaction.timestamp, Interaction.id)
        ).all()
        return [[i.timestamp.astimezone(UTC).isoformat(), i.type, name,
                 "" if i.meta.get("tokens") is None else str(i.meta["tokens"]), i.content or "", i.source,
                 i.event_id or ""] for i, name in rows]


def test_csv_reads_back_equal_to_the_stored_rows(data, db, session_id):
    with db.session() as s:
        alice = persons.find_or_create(s, "alice_01")
        interactions.append(s, alice.id, "CHAT_MESSAGE", content='two\nlines, "quoted" and émoji 🎶',
                            timestamp=T0 + timedelta(minutes=7), source="cb_events", event_id="cb-3",
                            stream_session_id=session_id)
    data.import_transcript(session_id, TRANSCRIPT)
    export = data.export_session(session_id)
    assert export is not None
    text = export.csv_text()
    assert text.startswith(BOM)
    raw = text.encode("utf-8")
    read = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    assert read[0] == list(EXPORT_FIELDS)
    assert read[1:] == _stored(db, session_id)
    assert len(read) == 1 + 3 + 11


def test_json_is_an_array_of_exactly_the_fields(data, db, session_id):
    export = data.export_person("bob_the_tipper")
    assert export is not None
    rows = json.loads(export.json_text())
    assert [list(r) for r in rows] == [list(EXPORT_FIELDS)] * len(rows)
    assert [(r["type"], r["tokens"], r["content"]) for r in rows] == [
        ("TIP_EVENT", 100, "captured"), ("CHAT_MESSAGE", None, "hello")]
    assert rows[0]["timestamp"] == "2026-11-24T20:05:00+00:00"


def test_export_views_and_files_import_no_database_layer() -> None:
    import subprocess
    import sys

    code = (
        "import sys, mhc_core.data.export_views, mhc_core.export_files\n"
        "bad = sorted(n for n in sys.modules if n.split('.')[0] in ('sqlalchemy', 'psycopg', 'httpx')\n"
        "             or n.startswith(('mhc_core.db', 'mhc_core.services')))\n"
        "print(bad)\n"
        "sys.exit(1 if bad else 0)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
