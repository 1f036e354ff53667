"""`mhc import transcript` and `mhc export session|person`: counts as JSON, idempotence, one-line refusals,
CSV and JSON that read back to what is stored, files never overwritten unasked."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta

import pytest

from mhc_core.db import Database
from mhc_core.services import interactions, persons, sessions
from tests.cli.helpers import mhc, one_line_error, run, stdin_bytes

T0 = datetime(2026, 11, 24, 20, 0, tzinfo=UTC)
TRANSCRIPT = (
    "User alice_01 has joined the room.\n"
    "alice_01: hi, \"quoted\" and émoji 🎶\n"
    "bob_the_tipper tipped 25 tokens -- for the playlist\n"
    "\n"
    "what is this line\n"
)


@pytest.fixture
def session_id(db: Database, cli_env) -> int:
    with db.session() as s:
        live = sessions.start(s, "hudson_cage", at=T0)
        bob = persons.find_or_create(s, "bob_the_tipper")
        interactions.append(s, bob.id, "TIP_EVENT", content="line one\nline two, \"quoted\"",
                            timestamp=T0 + timedelta(minutes=5), source="cb_events", metadata={"tokens": 100},
                            event_id="cb-1", stream_session_id=live.id)
        return live.id


def test_import_json_then_the_same_again_adds_nothing(capsys, tmp_path, session_id):
    path = tmp_path / "t.txt"
    path.write_text(TRANSCRIPT, encoding="utf-8")
    code, first, _ = run(capsys, "import", "transcript", str(path), "--session", str(session_id), "--json")
    assert code == 0
    assert first == {"imported": 3, "duplicates": 0, "unreadable": 1, "unreadable_lines": ["what is this line"],
                     "persons": ["alice_01", "bob_the_tipper"]}
    code, again, _ = run(capsys, "import", "transcript", str(path), "--session", str(session_id), "--json")
    assert (code, again["imported"], again["duplicates"], again["unreadable"]) == (0, 0, 3, 1)


def test_import_from_standard_input_in_words(capsys, monkeypatch, session_id):
    monkeypatch.setattr("sys.stdin", stdin_bytes(TRANSCRIPT.encode()))
    code, out, _ = run(capsys, "import", "transcript", "-", "--session", str(session_id))
    assert code == 0
    assert out.splitlines()[0] == f"3 lines imported into session {session_id}, 0 already there, 1 unreadable"
    assert "  unreadable: what is this line" in out.splitlines()


def test_import_refusals_are_one_line(capsys, tmp_path, session_id):
    good = tmp_path / "t.txt"
    good.write_text(TRANSCRIPT, encoding="utf-8")
    code, _, err = run(capsys, "import", "transcript", str(good), "--session", str(session_id + 99))
    assert (code, one_line_error(err)) == (1, f"mhc: no session {session_id + 99}")
    big = tmp_path / "big.txt"
    big.write_bytes(b"x" * 1_000_001)
    code, _, err = run(capsys, "import", "transcript", str(big), "--session", str(session_id))
    assert code == 2 and "larger than 1 MB" in one_line_error(err)
    latin = tmp_path / "latin.txt"
    latin.write_bytes("caf\xe9: hi\n".encode("latin-1"))
    code, _, err = run(capsys, "import", "transcript", str(latin), "--session", str(session_id))
    assert code == 2 and "not UTF-8" in one_line_error(err)


def _import(capsys, tmp_path, session_id) -> None:
    path = tmp_path / "t.txt"
    path.write_text(TRANSCRIPT, encoding="utf-8")
    assert run(capsys, "import", "transcript", str(path), "--session", str(session_id))[0] == 0


def test_export_session_csv_file_reads_back_and_is_not_overwritten(capsys, tmp_path, session_id):
    _import(capsys, tmp_path, session_id)
    out = tmp_path / "s.csv"
    code, said, _ = run(capsys, "export", "session", str(session_id), "--format", "csv", "--output", str(out))
    assert code == 0 and str(out) in said
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # the byte-order mark Excel needs to read UTF-8
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    assert [(r["type"], r["username"], r["tokens"], r["content"], r["source"]) for r in rows] == [
        ("CHAT_IMPORT", "alice_01", "", "User alice_01 has joined the room.", "transcript"),
        ("CHAT_IMPORT", "alice_01", "", 'hi, "quoted" and émoji 🎶', "transcript"),
        ("CHAT_IMPORT", "bob_the_tipper", "25", "bob_the_tipper tipped 25 tokens -- for the playlist",
         "transcript"),
        ("TIP_EVENT", "bob_the_tipper", "100", 'line one\nline two, "quoted"', "cb_events"),
    ]
    assert rows[3]["timestamp"] == "2026-11-24T20:05:00+00:00" and rows[3]["event_id"] == "cb-1"
    assert rows[0]["event_id"].startswith(f"transcript:{session_id}:")

    code, _, err = run(capsys, "export", "session", str(session_id), "--format", "csv", "--output", str(out))
    assert code == 1 and "already exists" in one_line_error(err)
    assert out.read_bytes() == raw
    code, _, _ = run(capsys, "export", "session", str(session_id), "--format", "json", "--output", str(out),
                     "--force")
    assert code == 0 and json.loads(out.read_text(encoding="utf-8"))[0]["username"] == "alice_01"


def test_export_person_json_on_a_pipe_is_the_exact_text(cli_env, session_id):
    done = mhc(cli_env, "export", "person", "BOB_the_tipper", "--format", "json")
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout.decode("utf-8"))
    assert rows == [{"timestamp": "2026-11-24T20:05:00+00:00", "type": "TIP_EVENT", "username": "bob_the_tipper",
                     "tokens": 100, "content": 'line one\nline two, "quoted"', "source": "cb_events",
                     "event_id": "cb-1"}]


def test_export_refusals_are_one_line(capsys, tmp_path, session_id):
    code, _, err = run(capsys, "export", "person", "nobody_here", "--format", "csv")
    assert (code, one_line_error(err)) == (1, "mhc: no person called nobody_here")
    code, _, err = run(capsys, "export", "person", "not a name", "--format", "csv")
    assert code == 2 and "not a valid username" in one_line_error(err)
    code, _, err = run(capsys, "export", "session", str(session_id + 5), "--format", "json")
    assert (code, one_line_error(err)) == (1, f"mhc: no session {session_id + 5}")
    code, _, err = run(capsys, "export", "session", str(session_id), "--format", "csv",
                       "--output", str(tmp_path / "missing" / "x.csv"))
    assert code == 1 and "cannot write" in one_line_error(err)
    code, _, err = run(capsys, "export", "session", str(session_id), "--format", "xml")
    assert code == 2


def test_export_on_a_terminal_makes_outside_text_inert(capsys, monkeypatch, db, session_id):
    with db.session() as s:
        mallory = persons.find_or_create(s, "mallory")
        interactions.append(s, mallory.id, "CHAT_MESSAGE", content="\x1b[2Jgone\u202e", source="cb_events",
                            timestamp=T0 + timedelta(minutes=9), event_id="cb-9", stream_session_id=session_id)
    monkeypatch.setattr("sys.stdout.isatty", lambda: True)
    code, out, _ = run(capsys, "export", "person", "mallory", "--format", "csv")
    assert code == 0
    assert "\x1b" not in out and "\u202e" not in out and "\\x1b[2Jgone" in out
    code, out, _ = run(capsys, "export", "person", "mallory", "--format", "json")
    assert code == 0 and "\x1b" not in out
    assert json.loads(out)[0]["content"] == "\x1b[2Jgone\u202e"  # still the exact text, escaped as JSON
