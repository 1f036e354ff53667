"""The `mhc` command: JSON shapes, exit codes, one-line errors, masked secrets."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from mhc.main import main
from tests.cli.helpers import stdin_bytes

PERSON_KEYS = {"id", "username", "role", "is_excluded", "aliases", "first_seen_at", "last_seen_at", "snapshots",
               "recent_interactions", "watchlists"}
SESSION_KEYS = {"id", "status", "origin", "started_at", "ended_at", "duration_seconds", "tokens", "tips",
                "chat_messages", "private_messages", "unique_chatters", "follows", "unfollows", "media_tokens",
                "top_tippers"}


def run(capsys, *argv: str) -> tuple[int, object, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    data = json.loads(out) if "--json" in argv and out.strip() else out
    return code, data, err


def test_lookup_json_shape(db, cli_env, capsys, tmp_path: Path) -> None:
    paste = tmp_path / "paste.txt"
    paste.write_text("User alice_1 has joined the room.\nbob_2: hi\n")
    code, data, _ = run(capsys, "lookup", "--paste-file", str(paste), "--json")
    assert code == 0
    assert set(data) == {"person", "extracted_usernames", "errors"}
    assert PERSON_KEYS <= set(data["person"])
    assert data["person"]["username"] == "alice_1"
    assert data["extracted_usernames"] == ["alice_1", "bob_2"]
    assert data["errors"] == []
    assert data["person"]["recent_interactions"][0]["type"] == "PROFILE_PASTE"


def test_lookup_from_stdin_with_role(db, cli_env, capsys, monkeypatch) -> None:
    monkeypatch.setattr("sys.stdin", stdin_bytes(b"https://chaturbate.com/Some_Model/"))
    code, data, _ = run(capsys, "lookup", "--paste-file", "-", "--role", "model", "--json")
    assert code == 0 and data["person"]["username"] == "some_model" and data["person"]["role"] == "MODEL"


def test_lookup_statbate_not_configured_still_succeeds(db, cli_env, capsys) -> None:
    code, data, _ = run(capsys, "lookup", "viewer_9", "--statbate", "--json")
    assert code == 0
    assert data["errors"] == [{"source": "statbate", "message": "Statbate is not configured (set MHC_STATBATE_TOKEN)"}]
    assert data["statbate"]["viewer_9"] == {"member": "not_asked", "model": "not_asked",
                                             "member_model": "not_asked"}


def test_lookup_statbate_against_the_fake_never_prints_the_token(db, cli_env, capsys, monkeypatch, fake_apis) -> None:
    fake_apis.add_member("tipper_1", all_time_tokens=500)
    monkeypatch.setenv("MHC_STATBATE_BASE_URL", fake_apis.statbate_base_url)
    monkeypatch.setenv("MHC_STATBATE_TOKEN", fake_apis.statbate_token)
    code, data, err = run(capsys, "lookup", "tipper_1", "--statbate", "--json")
    assert code == 0 and data["errors"] == []
    assert data["person"]["role"] == "VIEWER"
    assert data["person"]["snapshots"]["statbate_member"]["metrics"]["all_time_tokens"] == 500
    fake_apis.revoke("statbate")
    code, data, err = run(capsys, "lookup", "tipper_1", "--statbate", "--json")
    assert code == 0 and data["errors"][0]["message"] == "Statbate rejected the token (HTTP 401)"
    assert fake_apis.statbate_token not in json.dumps(data) + err


def test_bad_usage_exits_2(db, cli_env, capsys) -> None:
    assert run(capsys, "lookup", "not a name!")[0] == 2
    assert run(capsys, "lookup", "someone", "--role", "KING")[0] == 2
    assert run(capsys, "lookup")[0] == 2
    code, _, err = run(capsys, "lookup", "--paste-file", "/nonexistent/file")
    assert code == 2 and "cannot read paste file" in err


def test_person_and_note(db, cli_env, capsys) -> None:
    assert run(capsys, "note", "Viewer_7", "likes", "jazz")[0] == 0
    code, data, _ = run(capsys, "person", "viewer_7", "--json")
    assert code == 0 and PERSON_KEYS <= set(data)
    note = data["recent_interactions"][0]
    assert (note["type"], note["content"], note["source"]) == ("MANUAL_NOTE", "likes jazz", "manual")
    code, _, err = run(capsys, "person", "nobody_here")
    assert code == 1 and "no person called nobody_here" in err
    assert run(capsys, "note", "viewer_7", "   ")[0] == 2


def test_session_lifecycle_and_shapes(db, cli_env, capsys) -> None:
    code, data, _ = run(capsys, "session", "status", "--json")
    assert (code, data) == (0, {"session": None})
    code, data, _ = run(capsys, "session", "start", "--json")
    assert code == 0 and set(data["session"]) == SESSION_KEYS and data["session"]["status"] == "LIVE"
    sid = data["session"]["id"]
    code, _, err = run(capsys, "session", "start")
    assert code == 1 and "already LIVE" in err
    assert run(capsys, "note", "fan_1", "first", "time")[0] == 0
    code, data, _ = run(capsys, "session", "end", "--json")
    assert code == 0 and data["session"]["status"] == "ENDED" and data["session"]["ended_at"]
    code, _, err = run(capsys, "session", "end")
    assert code == 1 and "no LIVE session" in err
    code, data, _ = run(capsys, "sessions", "--limit", "5", "--json")
    assert code == 0 and [s["id"] for s in data] == [sid] and set(data[0]) == SESSION_KEYS
    code, data, _ = run(capsys, "session", "show", str(sid), "--json")
    assert code == 0 and [i["content"] for i in data["session"]["interactions"]] == ["first time"]
    assert data["session"]["interactions"][0]["username"] == "fan_1"
    assert run(capsys, "session", "show", "9999")[0] == 1


def test_hudson_json_shape(db, cli_env, capsys) -> None:
    code, data, _ = run(capsys, "hudson", "--json")
    assert code == 0
    assert set(data) == {"broadcaster", "stats", "current_session", "recent_sessions", "recent_interactions"}
    assert data["broadcaster"] == "hudson_cage" and data["stats"] is None


def test_db_status_and_upgrade(db, cli_env, capsys) -> None:
    code, data, _ = run(capsys, "db", "status", "--json")
    assert code == 0 and data["up_to_date"] is True and data["pending"] == []
    assert run(capsys, "db", "upgrade")[0] == 0


def _mhc(env_extra: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MHC_")} | env_extra
    return subprocess.run([sys.executable, "-m", "mhc", *args], capture_output=True, text=True,
                          env=env, timeout=60)


@pytest.mark.parametrize("setting, value", [
    ("MHC_STATS_POLL_SECONDS", "soon"),
    ("MHC_STATS_POLL_SECONDS", "0"),
    ("MHC_EVENTS_TIMEOUT", "120"),
    ("MHC_EVENTS_BASE_URL", "not a url"),
    ("MHC_DATABASE_URL", "mysql://x"),
    ("MHC_TIMEZONE", "Mars/Olympus"),
    ("MHC_BROADCASTER", "Bad Name!"),
])
def test_bad_configuration_exits_2_with_one_line_naming_the_setting(setting, value, tmp_path) -> None:
    result = _mhc({setting: value, "MHC_LOG_DIR": str(tmp_path)}, "sessions")
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and setting in lines[0]
    assert "Traceback" not in result.stderr


def test_unreachable_database_is_one_line_naming_host_and_port(tmp_path) -> None:
    result = _mhc({"MHC_DATABASE_URL": "postgresql+psycopg://postgres@127.0.0.1:1/mhc",
                   "MHC_LOG_DIR": str(tmp_path)}, "sessions")
    assert result.returncode == 1
    assert result.stderr.strip() == "mhc: cannot reach the database at 127.0.0.1:1/mhc: Connection refused"


def test_a_token_is_never_echoed_in_a_config_error(tmp_path) -> None:
    result = _mhc({"MHC_STATBATE_TOKEN": "SECRETsecret123", "MHC_STATS_POLL_SECONDS": "x",
                   "MHC_LOG_DIR": str(tmp_path)}, "sessions")
    assert result.returncode == 2 and "SECRETsecret123" not in result.stderr + result.stdout
