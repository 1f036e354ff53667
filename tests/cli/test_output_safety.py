"""What a viewer typed never drives the terminal from a CLI line; `--json` keeps it exact and valid."""

from __future__ import annotations

import json

import pytest

from mhc_core.cli import emit_json
from mhc_core.db.models import InteractionSource, SnapshotSource
from mhc_core.services import interactions, persons, sessions, snapshots
from tests.cli.helpers import mhc, run

HOSTILE = "hi \x1b]0;TITLEHACK\x07 \x1b[2J \x9b31m red \u202e evil"
TERMINAL_CONTROLS = ("\x1b", "\x07", "\x9b", "\u202e")


def assert_inert(text: str) -> None:
    for ch in TERMINAL_CONTROLS:
        assert ch not in text, f"{ch!r} reached the terminal: {text!r}"


@pytest.fixture
def hostile_data(db) -> int:
    """A LIVE session in which a viewer chatted hostile bytes; Statbate and Chaturbate fields hold them too."""
    with db.session() as s:
        live = sessions.start(s, "hudson_cage")
        fan = persons.find_or_create(s, "fan_1")
        interactions.append(s, fan.id, "CHAT_MESSAGE", content=HOSTILE, source=InteractionSource.CB_EVENTS.value,
                            stream_session_id=live.id)
        snapshots.append(s, fan.id, SnapshotSource.STATBATE_MEMBER.value, {"about": HOSTILE}, {"about": HOSTILE})
        me = persons.find_or_create(s, "hudson_cage")
        snapshots.append(s, me.id, SnapshotSource.CB_STATS.value, {"subject": HOSTILE}, {"subject": HOSTILE})
        return live.id


def test_person_lines_show_controls_escaped(hostile_data, cli_env, capsys) -> None:
    code, out, _ = run(capsys, "person", "fan_1")
    assert code == 0 and out.count("TITLEHACK") == 2  # the chat line and the Statbate field
    assert_inert(out)
    assert "\\x1b]0;TITLEHACK\\x07" in out


def test_session_show_and_hudson_lines_show_controls_escaped(hostile_data, cli_env, capsys) -> None:
    code, out, _ = run(capsys, "session", "show", str(hostile_data))
    assert code == 0 and "TITLEHACK" in out
    assert_inert(out)
    code, out, _ = run(capsys, "hudson")
    assert code == 0 and "TITLEHACK" in out
    assert_inert(out)


def test_json_escapes_every_control_and_decodes_to_the_exact_text(hostile_data, cli_env) -> None:
    result = mhc(cli_env, "person", "fan_1", "--json")
    assert result.returncode == 0
    out = result.stdout.decode("utf-8")
    assert_inert(out)
    data = json.loads(out)
    assert data["recent_interactions"][0]["content"] == HOSTILE
    assert data["snapshots"]["statbate_member"]["metrics"]["about"] == HOSTILE


def test_json_output_survives_a_lone_surrogate(capsys) -> None:
    emit_json({"content": "half an emoji \ud83d", "name": "ok"})
    out, _ = capsys.readouterr()
    assert json.loads(out) == {"content": "half an emoji \ud83d", "name": "ok"}
