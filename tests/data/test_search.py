"""Search over stored lines against a real Postgres: what matches, in which order, through which index."""

from __future__ import annotations

import dataclasses
import re
from datetime import UTC, datetime, timedelta

import pytest
from psycopg.sql import Literal
from sqlalchemy import text

from mhc_core.config import Settings
from mhc_core.data.door import Data
from mhc_core.data.errors import InvalidUsername
from mhc_core.data.search_views import (
    SEARCHABLE_TYPES,
    SearchPage,
    UnknownPerson,
    UnknownSearchType,
    search_type,
)
from mhc_core.db import Database
from mhc_core.kinds import InteractionSource
from mhc_core.services import interactions, persons, search, sessions

B = "hudson_cage"
T0 = datetime(2026, 11, 24, 20, 0, tzinfo=UTC)


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


@pytest.fixture
def data(db: Database, settings: Settings) -> Data:
    return Data(db, settings, clock=lambda: at(600))


@pytest.fixture
def lines(db: Database) -> dict[str, int]:
    """A session of chat, a PM, tips, a note, an imported line and an entry (no words), by a few people.

    Returns the session id under "session"."""
    with db.session() as s:
        live = sessions.start(s, B, at=T0)
        alice = persons.find_or_create(s, "alice_01", role="VIEWER")
        bob = persons.find_or_create(s, "bob_the_tipper", role="VIEWER")
        carol = persons.find_or_create(s, "carol_x", role="VIEWER")
        spam = persons.find_or_create(s, "smk_lover")  # excluded on creation
        rows = [
            (alice, "CHAT_MESSAGE", "love the synthwave playlist", 1, live.id),
            (bob, "TIP_EVENT", "for the playlist", 2, live.id),
            (carol, "PRIVATE_MESSAGE", "is the synthwave show on friday?", 3, live.id),
            (alice, "CHAT_MESSAGE", "thanks @bob_the_tipper for the tip!", 4, live.id),
            (carol, "MANUAL_NOTE", "asked for the playlist again", 5, None),
            (bob, "CHAT_IMPORT", "Synthwave forever", 6, None),
            (spam, "CHAT_MESSAGE", "playlist spam spam", 7, live.id),
            (alice, "USER_ENTER", "playlist", 8, live.id),  # not a kind that carries words: never found
        ]
        for person, kind, content, minute, session_id in rows:
            interactions.append(s, person.id, kind, content=content, timestamp=at(minute),
                                source=InteractionSource.CB_EVENTS.value, stream_session_id=session_id,
                                metadata={"tokens": 50} if kind == "TIP_EVENT" else {})
        persons.rename(s, carol, "carol_new", at=at(9))
        return {"session": live.id}


def said(page: SearchPage) -> list[str]:
    return [hit.content for hit in page.hits]


def test_every_word_must_match_and_the_newest_comes_first(data, lines):
    assert said(data.search("playlist")) == [
        "playlist spam spam", "asked for the playlist again", "for the playlist", "love the synthwave playlist",
    ]
    # Both words: a line with only one of them is not a match, however many times it has that one.
    assert said(data.search("synthwave playlist")) == ["love the synthwave playlist"]
    assert said(data.search("SYNTHWAVE")) == ["Synthwave forever", "is the synthwave show on friday?",
                                              "love the synthwave playlist"]


def test_phrases_or_and_left_out_words(data, lines):
    assert said(data.search('"the playlist"')) == ["asked for the playlist again", "for the playlist"]
    assert said(data.search("friday or forever")) == ["Synthwave forever", "is the synthwave show on friday?"]
    assert said(data.search("synthwave -playlist")) == ["Synthwave forever", "is the synthwave show on friday?"]


def test_the_last_word_matches_as_a_prefix_while_typed(data, lines):
    assert said(data.search("synthw")) == said(data.search("synthwave"))
    assert said(data.search("love synthw")) == ["love the synthwave playlist"]
    assert said(data.search("friday or forev")) == ["Synthwave forever", "is the synthwave show on friday?"]
    # A space or a closing quote after it: the word is whole.
    assert said(data.search("synthw ")) == []
    assert said(data.search('"synthw"')) == []


def test_a_username_is_found_where_it_is_mentioned(data, lines):
    assert said(data.search("bob_the_tipper")) == ["thanks @bob_the_tipper for the tip!"]
    assert said(data.search("@bob_the_tip")) == ["thanks @bob_the_tipper for the tip!"]  # still typing it
    # The parts of a name are a phrase, in order: not any line holding those words.
    assert said(data.search("tipper_the_bob")) == []


def test_filters_by_person_any_name_they_had_type_and_time(data, lines):
    assert said(data.search("playlist", username="alice_01")) == ["love the synthwave playlist"]
    # carol_x is now carol_new: either name finds her lines.
    for name in ("carol_x", "@Carol_New"):
        assert said(data.search("synthwave or playlist", username=name)) == [
            "asked for the playlist again", "is the synthwave show on friday?",
        ]
    assert said(data.search("playlist", types=["TIP_EVENT", "MANUAL_NOTE"])) == [
        "asked for the playlist again", "for the playlist",
    ]
    assert said(data.search("playlist", since=at(2), until=at(5))) == ["for the playlist"]
    with pytest.raises(UnknownPerson, match="no person called nobody_here"):
        data.search("playlist", username="nobody_here")
    with pytest.raises(InvalidUsername):
        data.search("playlist", username="not a name")


def test_no_match_and_nothing_to_find(data, lines):
    assert data.search("karaoke").hits == ()
    for nothing in ("", "   ", "!!!", "?!. ,;", "'", '"', "\\", "-", "&|!():*<->", "\x00\x1b[2J", "👋"):
        page = data.search(nothing)
        assert page.hits == () and not page.more, nothing


def test_hostile_text_is_only_words(data, lines):
    for raw in ("playlist'; DROP TABLE interactions; --", "play:*", "playlist & !", "'play'list", "pla\\y",
                "(playlist", "playlist)", "play<->list", "a-b-c-", "x\x00playlist"):
        data.search(raw)  # no SQL error, whatever it finds
    assert said(data.search("playlist'")) == said(data.search("playlist"))


def test_pages_newest_first_with_more(data, lines):
    first = data.search("playlist", limit=3)
    assert len(first.hits) == 3 and first.more
    rest = data.search("playlist", limit=3, offset=first.next_offset)
    assert said(rest) == ["love the synthwave playlist"] and not rest.more
    assert [h.timestamp for h in first.hits + rest.hits] == sorted((h.timestamp for h in first.hits + rest.hits),
                                                                   reverse=True)


def test_a_hit_says_who_when_where_and_whether_excluded(data, lines):
    hits = {hit.content: hit for hit in data.search("playlist").hits}
    assert hits["playlist spam spam"].excluded and hits["playlist spam spam"].username == "smk_lover"
    tip = hits["for the playlist"]
    assert (tip.username, tip.type, tip.tokens, tip.stream_session_id, tip.excluded) == (
        "bob_the_tipper", "TIP_EVENT", 50, lines["session"], False)
    assert hits["asked for the playlist again"].stream_session_id is None
    assert tip.as_json() == {"timestamp": at(2).isoformat(), "type": "TIP_EVENT", "username": "bob_the_tipper",
                             "content": "for the playlist", "session_id": lines["session"]}
    with pytest.raises(dataclasses.FrozenInstanceError):
        tip.content = "changed"  # type: ignore[misc]


def test_type_names():
    assert [search_type(n) for n in ("chat", "PM", "Tip", "note", "import", "chat_message", "MANUAL_NOTE")] == [
        "CHAT_MESSAGE", "PRIVATE_MESSAGE", "TIP_EVENT", "MANUAL_NOTE", "CHAT_IMPORT", "CHAT_MESSAGE", "MANUAL_NOTE",
    ]
    for unknown in ("USER_ENTER", "follow", ""):
        with pytest.raises(UnknownSearchType):
            search_type(unknown)


# -- the index ----------------------------------------------------------------------------------------


def test_the_query_has_the_index_expression_and_predicate(db):
    """The migration's index, as Postgres holds it, is what the search's WHERE says."""
    with db.engine.connect() as conn:
        indexdef = conn.scalar(text("SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_interactions_content_fts'"))
    assert "to_tsvector('simple'::regconfig, content)" in indexdef
    for name in SEARCHABLE_TYPES:
        assert f"'{name}'::text" in indexdef
    assert indexdef.count("'::text") == len(SEARCHABLE_TYPES)


@pytest.fixture
def crowd(db, lines):
    """The lines above among 20,000 chat lines of other words, with the planner's statistics up to date."""
    with db.engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO interactions (person_id, type, content, timestamp, source, metadata) "
            "SELECT (SELECT id FROM persons WHERE username = 'alice_01'), 'CHAT_MESSAGE', 'hello there number ' || n, "
            "TIMESTAMPTZ '2026-11-01 00:00+00' + n * INTERVAL '1 minute', 'cb_events', '{}' "
            "FROM generate_series(1, 20000) AS n"
        ))
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("ANALYZE interactions"))


def generic_plan(conn, stmt) -> str:
    """EXPLAIN of `stmt` as a prepared statement's generic plan: its bound values stay parameters, as
    they are once psycopg has prepared a statement run often, so a partial index is used only if its
    predicate is proved from the statement's constants."""
    compiled = stmt.compile(conn, compile_kwargs={"render_postcompile": True})
    names = list(compiled.positiontup or []) or re.findall(r"%\((\w+)\)s", compiled.string)
    sql = compiled.string
    for n, name in enumerate(dict.fromkeys(names), 1):
        sql = sql.replace(f"%({name})s", f"${n}")
    conn.exec_driver_sql("SET plan_cache_mode = force_generic_plan")
    conn.exec_driver_sql(f"PREPARE searching AS {sql}")
    try:
        raw = conn.connection.driver_connection
        values = ", ".join(Literal(compiled.params[name]).as_string(raw) for name in dict.fromkeys(names))
        return "\n".join(row[0] for row in conn.exec_driver_sql(f"EXPLAIN EXECUTE searching({values})"))
    finally:
        conn.exec_driver_sql("DEALLOCATE searching")


@pytest.mark.parametrize("raw", ["playlist", "synthw", "love synthw", "friday or forev", '"the playlist"'])
@pytest.mark.parametrize("filtered", [False, True])
def test_postgres_serves_the_search_from_the_index(db, crowd, raw, filtered):
    """The very statement the service runs, as a generic plan: the matches come from a scan of
    ix_interactions_content_fts, not from reading the whole table or every line by time."""
    query = search.tsquery(raw)
    assert query is not None
    with db.engine.connect() as conn:
        alice = conn.scalar(text("SELECT id FROM persons WHERE username = 'alice_01'"))
        options = dict(types=["CHAT_MESSAGE", "TIP_EVENT"], person_id=alice) if filtered else {}
        plan = generic_plan(conn, search.statement(query, limit=51, **options))
        conn.rollback()
    assert "Bitmap Index Scan on ix_interactions_content_fts" in plan, plan
    assert "Seq Scan on interactions" not in plan and "using ix_interactions_timestamp" not in plan, plan
