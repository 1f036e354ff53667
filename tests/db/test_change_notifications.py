"""Every write a console shows sends a notification at commit saying what changed, and none on rollback."""

from __future__ import annotations

import json
from collections.abc import Iterator

import psycopg
import pytest

from mhc_core.channels import ALL_CHANNELS, ATTRIBUTE, EXCLUDED, LOOKED_UP, NOTE, RENAMED, WATCHLIST
from mhc_core.db import Database
from mhc_core.db.notify import conninfo
from mhc_core.services import attributes, lookup, notes, persons, sessions, watchlists


@pytest.fixture
def heard(db: Database) -> Iterator[psycopg.Connection]:
    with psycopg.connect(conninfo(db.engine.url), autocommit=True) as conn:
        for channel in ALL_CHANNELS:
            conn.execute(f'LISTEN "{channel}"')
        yield conn


def received(conn: psycopg.Connection) -> list[tuple[str, dict[str, object]]]:
    """Every notification delivered so far (each write below has committed before this is called)."""
    return [(n.channel, json.loads(n.payload)) for n in conn.notifies(timeout=0.5)]


def test_a_note_names_the_person_and_the_note(db, heard):
    with db.session() as s:
        alice = persons.find_or_create(s, "alice_01")
        note = notes.add_note(s, alice, "likes jazz")
        alice_id, note_id = alice.id, note.id
    assert received(heard) == [("mhc_persons", {"person_id": str(alice_id), "what": NOTE, "id": note_id})]


def test_setting_and_removing_an_attribute(db, heard):
    with db.session() as s:
        alice = persons.find_or_create(s, "alice_01")
        tag = attributes.set_attribute(s, alice.id, "tag", "regular")
        alice_id, tag_id = alice.id, tag.id
    with db.session() as s:
        attributes.remove(s, tag_id)
    said = {"person_id": str(alice_id), "what": ATTRIBUTE, "id": tag_id}
    assert received(heard) == [("mhc_persons", said), ("mhc_persons", said)]


def test_watchlist_membership_and_exclusion(db, heard):
    with db.session() as s:
        dave = persons.find_or_create(s, "dave99")
        friends = watchlists.by_name(s, "Friends")
        watchlists.set_member(s, friends, dave, True)
        dave_id, friends_id = dave.id, friends.id
    with db.session() as s:
        found = persons.get_person(s, dave_id)
        assert found is not None
        watchlists.set_member(s, watchlists.by_name(s, "Excluded"), found, True)
    assert received(heard) == [
        ("mhc_persons", {"person_id": str(dave_id), "what": WATCHLIST, "id": friends_id}),
        ("mhc_persons", {"person_id": str(dave_id), "what": EXCLUDED, "id": None}),
    ]


def test_a_rename(db, heard):
    with db.session() as s:
        frank = persons.find_or_create(s, "frank_new")
        persons.rename(s, frank, "frank_renamed")
        frank_id = frank.id
    assert received(heard) == [("mhc_persons", {"person_id": str(frank_id), "what": RENAMED, "id": None})]


def test_a_lookup_names_everyone_it_resolved_and_the_paste(db, heard):
    with db.session() as s:
        found = lookup.lookup(s, paste="bob_2: hi\ncarol_3 tipped 25 tokens")
        ids = [p.id for p in found.persons]
    said = received(heard)
    assert [(channel, payload["person_id"], payload["what"]) for channel, payload in said] == [
        ("mhc_persons", str(ids[0]), LOOKED_UP), ("mhc_persons", str(ids[1]), LOOKED_UP)]
    assert isinstance(said[0][1]["id"], int) and said[1][1]["id"] is None  # the paste is kept on the first


def test_session_start_and_end(db, heard):
    with db.session() as s:
        started = sessions.start(s, "hudson_cage")
        started_id = started.id
    with db.session() as s:
        sessions.end(s, "hudson_cage")
    assert received(heard) == [
        ("mhc_sessions", {"broadcaster": "hudson_cage", "id": started_id, "status": "LIVE"}),
        ("mhc_sessions", {"broadcaster": "hudson_cage", "id": started_id, "status": "ENDED"}),
    ]


def test_nothing_is_announced_when_the_write_rolls_back(db, heard):
    class Abandoned(Exception):
        pass

    with pytest.raises(Abandoned), db.session() as s:
        notes.add_note(s, persons.find_or_create(s, "alice_01"), "never kept")
        raise Abandoned
    assert received(heard) == []
