"""`mhc search`: matches newest first as JSON or lines, its filters, and one-line refusals."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from mhc_core.db import Database
from mhc_core.services import interactions, persons, sessions
from tests.cli.helpers import one_line_error, run

T0 = datetime(2026, 11, 24, 20, 0, tzinfo=UTC)


@pytest.fixture
def stored(db: Database, cli_env) -> int:
    with db.session() as s:
        live = sessions.start(s, "hudson_cage", at=T0)
        alice = persons.find_or_create(s, "alice_01")
        bob = persons.find_or_create(s, "bob_the_tipper")
        for person, kind, content, minutes, session_id in (
            (alice, "CHAT_MESSAGE", "love the synthwave playlist", 1, live.id),
            (bob, "TIP_EVENT", "for the playlist", 2, live.id),
            (alice, "MANUAL_NOTE", "thanks bob_the_tipper for the playlist", 60 * 24, None),
        ):
            interactions.append(s, person.id, kind, content=content, timestamp=T0 + timedelta(minutes=minutes),
                                stream_session_id=session_id, metadata={"tokens": 25} if kind == "TIP_EVENT" else {})
        persons.rename(s, alice, "alice_02", at=T0 + timedelta(days=2))
        return live.id


def test_json_newest_first_with_the_documented_keys(capsys, stored):
    code, found, _ = run(capsys, "search", "playlist", "--json")
    assert code == 0
    assert [(f["type"], f["username"], f["content"], f["session_id"]) for f in found] == [
        ("MANUAL_NOTE", "alice_02", "thanks bob_the_tipper for the playlist", None),
        ("TIP_EVENT", "bob_the_tipper", "for the playlist", stored),
        ("CHAT_MESSAGE", "alice_02", "love the synthwave playlist", stored),
    ]
    assert list(found[0]) == ["timestamp", "type", "username", "content", "session_id"]
    assert found[1]["timestamp"] == "2026-11-24T20:02:00+00:00"


def test_filters(capsys, stored):
    def contents(*argv: str) -> list[str]:
        code, found, err = run(capsys, "search", *argv, "--json")
        assert code == 0, err
        return [f["content"] for f in found]

    assert contents("synthwave", "playlist") == ["love the synthwave playlist"]
    assert contents("bob_the_tipper") == ["thanks bob_the_tipper for the playlist"]  # a name, mentioned
    assert contents("playlist", "--username", "alice_01") == [  # her old name finds her
        "thanks bob_the_tipper for the playlist", "love the synthwave playlist"]
    assert contents("playlist", "--type", "tip,note") == [
        "thanks bob_the_tipper for the playlist", "for the playlist"]
    assert contents("playlist", "--type", "CHAT_MESSAGE", "--type", "Tip") == [
        "for the playlist", "love the synthwave playlist"]
    assert contents("playlist", "--since", "2026-11-25") == ["thanks bob_the_tipper for the playlist"]
    assert contents("playlist", "--until", "2026-11-24") == ["for the playlist", "love the synthwave playlist"]
    assert contents("playlist", "--since", "2026-11-24T20:01:30", "--until", "2026-11-24T20:05+00:00") == [
        "for the playlist"]
    assert contents("playlist", "--limit", "1", "--offset", "1") == ["for the playlist"]
    assert contents("karaoke") == []
    assert contents("?!") == []


def test_since_is_read_in_the_display_zone(capsys, stored, monkeypatch):
    monkeypatch.setenv("MHC_TIMEZONE", "America/New_York")  # 20:02 UTC is 15:02 there
    code, found, _ = run(capsys, "search", "playlist", "--since", "2026-11-24T15:01:30", "--until",
                         "2026-11-24T15:05", "--json")
    assert (code, [f["content"] for f in found]) == (0, ["for the playlist"])


def test_lines_for_people(capsys, stored):
    code, out, _ = run(capsys, "search", "playlist", "--limit", "2")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].startswith("2026-11-25 20:00  MANUAL_NOTE      alice_02")
    assert lines[1].endswith(f"25 tokens - for the playlist  [session {stored}]")
    assert lines[2] == "more: --offset 2"
    assert run(capsys, "search", "karaoke")[1] == "no matches\n"


@pytest.mark.parametrize(("argv", "code", "says"), [
    (["--type", "follow"], 2, "unknown type 'follow'"),
    (["--since", "yesterday"], 2, "--since 'yesterday': not a date"),
    (["--until", "2026-13-01"], 2, "--until '2026-13-01': not a date"),
    (["--since", "2026-11-25", "--until", "2026-11-24"], 2, "--since is not before --until"),
    (["--username", "not a name"], 2, "not a name"),
    (["--username", "nobody_here"], 1, "no person called nobody_here"),
    (["--limit", "0"], 2, "--limit"),
])
def test_refusals_are_one_line(capsys, stored, argv, code, says):
    got, _, err = run(capsys, "search", "playlist", *argv)
    assert got == code
    assert says in one_line_error(err)
