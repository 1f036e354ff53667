"""Pastes and notes are text: anything else is refused in one line with exit 2, and nothing is stored."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from mhc_core.db.models import Interaction, Person
from mhc_core.services import interactions, notes, persons
from mhc_core.services import lookup as local_lookup
from tests.cli.helpers import mhc, one_line_error, run, stdin_bytes, subprocess_env

LIMIT = local_lookup.PASTE_MAX_BYTES


def stored(db) -> tuple[int, int]:
    """(persons, interactions) in the database."""
    with db.session() as s:
        return (s.scalar(select(func.count()).select_from(Person)),
                s.scalar(select(func.count()).select_from(Interaction)))


@pytest.mark.parametrize("content, reason", [
    (b"alice_1: hi\x00there\n", "control character"),
    (bytes(range(256)) * 8, "not UTF-8"),
    (b"alice_1: \x1b]0;TITLEHACK\x07\x1b[2J\n", "control character"),
    (b"alice_1: caf\xe9\n", "not UTF-8"),
])
def test_a_paste_that_is_not_text_is_refused(db, cli_env, capsys, tmp_path: Path, content, reason) -> None:
    paste = tmp_path / "paste.bin"
    paste.write_bytes(content)
    code, out, err = run(capsys, "lookup", "--paste-file", str(paste), "--json")
    assert code == 2 and out == ""
    assert reason in one_line_error(err)
    assert stored(db) == (0, 0)


def test_invalid_utf8_on_standard_input_is_refused(db, cli_env, capsys, monkeypatch) -> None:
    monkeypatch.setattr("sys.stdin", stdin_bytes(b"alice_1: \xff\xfe hello\n"))
    code, _, err = run(capsys, "lookup", "--paste-file", "-")
    assert code == 2 and "not UTF-8" in one_line_error(err)
    assert stored(db) == (0, 0)


@pytest.mark.parametrize("text, reason", [("hi\x00there", "control character"),
                                          ("look \x1b[2J here", "control character"),
                                          ("broken \udcff byte", "not UTF-8")])
def test_a_note_that_is_not_text_is_refused(db, cli_env, capsys, text, reason) -> None:
    code, _, err = run(capsys, "note", "fan_1", text)
    assert code == 2 and reason in one_line_error(err)
    assert stored(db) == (0, 0)


def test_invalid_utf8_in_note_arguments_from_a_shell_is_refused(db, cli_env) -> None:
    result = mhc(cli_env, "note", "fan_1", b"caf\xe9 \xff")
    assert result.returncode == 2 and "not UTF-8" in one_line_error(result.stderr)
    assert stored(db) == (0, 0)


def test_text_with_tabs_line_breaks_and_emoji_is_kept_exactly(db, cli_env, capsys, tmp_path: Path) -> None:
    content = "alice_1:\thi 👋🏽\r\nbob_2: ça va? 家\n"
    paste = tmp_path / "paste.txt"
    paste.write_text(content, encoding="utf-8", newline="")
    code, data, _ = run(capsys, "lookup", "--paste-file", str(paste), "--json")
    assert code == 0 and data["person"]["recent_interactions"][0]["content"] == content


def test_a_paste_over_the_limit_is_refused_and_not_stored(db, cli_env, capsys, tmp_path: Path) -> None:
    line = b"alice_1: hello there\n"
    paste = tmp_path / "big.txt"
    paste.write_bytes(line * (LIMIT // len(line) + 1))
    code, _, err = run(capsys, "lookup", "--paste-file", str(paste))
    assert code == 2 and "larger than" in one_line_error(err)
    assert stored(db) == (0, 0)
    paste.write_bytes(paste.read_bytes()[:LIMIT])  # exactly the limit is still a paste
    assert run(capsys, "lookup", "--paste-file", str(paste))[0] == 0
    assert stored(db) == (1, 1)


def test_a_50_mb_paste_on_standard_input_is_refused_without_reading_it_all(db, cli_env) -> None:
    total = 50_000_000
    chunk = b"alice_1: hello there\n" * 3000
    proc = subprocess.Popen([sys.executable, "-m", "mhc", "lookup", "--paste-file", "-"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env=subprocess_env(cli_env))
    written = 0
    try:
        while written < total:
            proc.stdin.write(chunk)
            written += len(chunk)
    except BrokenPipeError:
        pass  # the command stopped reading: what we want
    if written >= total:
        proc.kill()
        proc.communicate()
        pytest.fail("the whole 50 MB paste was read")
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 2 and "larger than" in one_line_error(err)
    # What it took in: the limit plus what the pipe buffers, far from the 50 MB offered.
    assert written < LIMIT + 2 * 1024 * 1024
    assert stored(db) == (0, 0)


def test_the_console_paths_apply_the_same_rule(db) -> None:
    with db.session() as s, pytest.raises(interactions.NotText):
        local_lookup.lookup(s, paste="alice_1: hi\x00")
    with db.session() as s, pytest.raises(local_lookup.PasteTooLarge):
        local_lookup.lookup(s, paste="alice_1: hi\n" * (LIMIT // 12 + 1))
    assert stored(db) == (0, 0)
    with db.session() as s:
        persons.find_or_create(s, "fan_2")
    with db.session() as s, pytest.raises(interactions.NotText):
        notes.add_note(s, persons.find_person(s, "fan_2"), "bell \x07")
    assert stored(db) == (1, 0)
