"""MHC_ALERT_COMMAND: the alert's JSON on stdin, failures logged, a hanging command killed, never blocking."""

from __future__ import annotations

import asyncio
import json
import logging
import sys
import time
from pathlib import Path

import pytest

from mhc_core.alerts.command import AlertCommand
from tests.alerts.helpers import alert_settings, evaluate
from tests.capture.helpers import at, write
from tests.fakes import make_event

pytestmark = pytest.mark.asyncio

ALERT = {"id": 1, "rule": "tip>=500", "username": "big_bob", "event_id": "e1", "fired_at": "2026-12-03T12:00:00+00:00",
         "acknowledged_at": None, "text": "big_bob tipped 1,000 tokens", "bell": False, "kind": "alert"}


def writer_script(tmp_path: Path) -> tuple[str, Path]:
    """A command line that appends its stdin (and whether it saw a token variable) to a file."""
    out = tmp_path / "got.jsonl"
    script = tmp_path / "notify.py"
    script.write_text(
        "import json, os, sys\n"
        "alert = json.load(sys.stdin)\n"
        "alert['saw_token'] = any(k.startswith('MHC_') and k.endswith('_TOKEN') for k in os.environ)\n"
        f"open({str(out)!r}, 'a').write(json.dumps(alert) + '\\n')\n")
    return f"{sys.executable} {script}", out


def lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


async def test_the_command_receives_the_alert_json_without_the_tokens(tmp_path, monkeypatch):
    monkeypatch.setenv("MHC_EVENTS_TOKEN", "secret0123456789abcdefgh")
    command_line, out = writer_script(tmp_path)
    command = AlertCommand(command_line)
    command.submit(ALERT)
    await command.aclose()
    got = lines(out)
    assert [g["text"] for g in got] == ["big_bob tipped 1,000 tokens"]
    assert got[0]["saw_token"] is False


async def test_a_failing_command_is_logged_in_one_line(tmp_path, caplog):
    command = AlertCommand(f"{sys.executable} -c \"import sys; sys.exit(3)\"")
    with caplog.at_level(logging.WARNING):
        command.submit(ALERT)
        await command.aclose()
    assert any("exited with 3" in r.getMessage() for r in caplog.records)
    missing = AlertCommand(str(tmp_path / "no_such_program"))
    with caplog.at_level(logging.WARNING):
        missing.submit(ALERT)
        await missing.aclose()
    assert any("cannot start" in r.getMessage() for r in caplog.records)


async def test_a_hanging_command_is_killed_and_does_not_block_submit(tmp_path, caplog):
    command = AlertCommand(f"{sys.executable} -c \"import time; time.sleep(60)\"", timeout=0.5)
    started = time.monotonic()
    with caplog.at_level(logging.WARNING):
        for i in range(5):
            command.submit(dict(ALERT, id=i))
        assert time.monotonic() - started < 0.2  # submit never waits on the command
        await asyncio.wait_for(command.aclose(), 10)
    assert any("killed after" in r.getMessage() for r in caplog.records)


async def test_the_engine_runs_the_command_per_fired_alert_and_keeps_going_past_a_hang(db, database_url, tmp_path):
    command_line, out = writer_script(tmp_path)
    s = alert_settings(database_url, [{"when": "tip", "min_tokens": 1}], alert_command=command_line)
    await evaluate(s, db)
    write(db, [at(1, 1, **make_event("tip", "bob", tokens=5))])
    handed = await evaluate(s, db)
    assert [g["id"] for g in lines(out)] == [a["id"] for a in handed]
    assert set(lines(out)[0]) >= {"id", "rule", "username", "event_id", "fired_at", "acknowledged_at", "text"}

    hang = alert_settings(database_url, [{"when": "tip", "min_tokens": 1}],
                          alert_command=f"{sys.executable} -c \"import time; time.sleep(60)\"")
    write(db, [at(2, 2, **make_event("tip", "ann", tokens=5)), at(3, 3, **make_event("tip", "cid", tokens=5))])
    started = time.monotonic()
    handed = await evaluate(hang, db, timeout=30)
    assert [a["username"] for a in handed] == ["ann", "cid"]
    assert time.monotonic() - started < 15  # each hang is cut at its time limit; the engine was never held
