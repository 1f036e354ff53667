"""`mhc listen` as a real process: lines per event, signals, exit codes, and kill -9 in mid-stream."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from mhc_core.capture.headless import LINE_LIMIT, format_event
from tests.capture.helpers import cursor, journaled, rows, scalar
from tests.fakes import FakeApis, make_event

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def env_for(database_url: str, fake: FakeApis, tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MHC_")}
    env.update(fake.env())
    env.pop("MHC_STATS_TOKEN")
    env.update(MHC_DATABASE_URL=database_url, MHC_EVENTS_TIMEOUT="1", MHC_LOG_DIR=str(tmp_path / "logs"),
               PYTHONPATH=str(REPO), **extra)
    return env


class Listener:
    """`python -m mhc_core.capture.headless` with its output in files (a full pipe would stall it)."""

    def __init__(self, env: dict[str, str], tmp_path: Path, *args: str) -> None:
        n = len(list(tmp_path.glob("out-*")))
        self.out_path, self.err_path = tmp_path / f"out-{n}", tmp_path / f"err-{n}"
        with self.out_path.open("w") as out, self.err_path.open("w") as err:
            self.proc = subprocess.Popen([sys.executable, "-m", "mhc_core.capture.headless", *args], env=env,
                                         stdout=out, stderr=err, text=True)

    def signal(self, sig: int) -> None:
        self.proc.send_signal(sig)

    def wait(self, timeout: float) -> int:
        try:
            return self.proc.wait(timeout=timeout)
        finally:
            self.proc.kill()

    @property
    def out(self) -> str:
        return self.out_path.read_text()

    @property
    def err(self) -> str:
        return self.err_path.read_text()


def wait_for(predicate, timeout: float = 20.0, proc: Listener | None = None) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if proc is not None and proc.proc.poll() is not None:
            raise AssertionError(f"listener exited early ({proc.proc.returncode}): {proc.err[-2000:]}")
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.02)


def consistent(db) -> None:
    """What a crash can never leave behind: a cursor ahead of the journal, or an unprojected valid event."""
    last = scalar(db, "SELECT event_id FROM event_log ORDER BY id DESC LIMIT 1")
    assert cursor(db) == last
    assert scalar(db, "SELECT count(*) FROM interactions") == journaled(db)
    assert scalar(db, "SELECT count(*) FROM event_log e LEFT JOIN interactions i USING (event_id) "
                      "WHERE i.id IS NULL") == 0


def test_readable_lines() -> None:
    base = {"event_time": "2026-11-20T20:00:05+00:00", "username": "viewer_12"}
    lines = [format_event({**base, **e}) for e in (
        {"type": "TIP_EVENT", "tokens": 25, "content": "great show"},
        {"type": "CHAT_MESSAGE", "content": "hello"},
        {"type": "FOLLOW"},
        {"type": "PRIVATE_MESSAGE", "direction": "in", "content": "hi"},
        {"type": "PRIVATE_MESSAGE", "direction": "out", "content": "thanks"},
        {"type": "CHAT_MESSAGE", "content": "two\nlines"},
    )]
    assert [ln.split(" ", 1)[1] for ln in lines] == [
        "viewer_12 tipped 25 tokens: great show", "viewer_12: hello", "viewer_12 followed",
        "PM from viewer_12: hi", "PM to viewer_12: thanks", "viewer_12: two lines"]


def test_a_very_long_message_prints_as_one_cut_line() -> None:
    line = format_event({"event_time": "2026-11-20T20:00:05+00:00", "username": "viewer_12",
                         "type": "CHAT_MESSAGE", "content": "🎉 [b]hi[/b] \x1b[2J " * 2_000})
    assert len(line) == LINE_LIMIT and line.endswith("…")
    assert "viewer_12: 🎉 [b]hi[/b] \\x1b[2J" in line and "\x1b" not in line and "\n" not in line


def test_sigterm_mid_stream_exits_0_quickly_with_the_cursor_saved(db, database_url, fake_apis_factory, tmp_path):
    fake = fake_apis_factory(events_per_batch=10)
    ids = fake.push(*[make_event("chatMessage", f"viewer_{i % 7}", text=f"m{i}") for i in range(3000)])
    proc = Listener(env_for(database_url, fake, tmp_path), tmp_path, "--jsonl")
    wait_for(lambda: journaled(db) >= 300, proc=proc)
    started = time.monotonic()
    proc.signal(signal.SIGTERM)
    rc = proc.wait(timeout=5)
    assert time.monotonic() - started < 5
    out, err = proc.out, proc.err
    assert rc == 0, err[-2000:]
    assert journaled(db) < len(ids)  # it really was stopped mid-stream
    consistent(db)
    printed = [json.loads(line) for line in out.splitlines()]
    assert [p["event_id"] for p in printed] == ids[: journaled(db)]  # --jsonl: every stored event, in order
    assert printed[0]["type"] == "CHAT_MESSAGE" and printed[0]["content"] == "m0"
    assert "capture: connected" in err and "capture: stopped" in err
    assert fake.events_token not in out + err


def test_readable_lines_go_to_stderr(db, database_url, fake_apis, tmp_path):
    fake_apis.push(make_event("tip", "viewer_12", tokens=25, tip_message="| great show"),
                   make_event("chatMessage", "viewer_12", text="hello"))
    proc = Listener(env_for(database_url, fake_apis, tmp_path), tmp_path)
    wait_for(lambda: cursor(db) == fake_apis.event_ids[-1], proc=proc)
    proc.signal(signal.SIGINT)
    assert proc.wait(timeout=5) == 0
    out, err = proc.out, proc.err
    assert out == ""
    assert "viewer_12 tipped 25 tokens: great show" in err and "viewer_12: hello" in err


def test_a_rejected_token_exits_1_with_one_clear_line(db, database_url, fake_apis, tmp_path):
    env = env_for(database_url, fake_apis, tmp_path, MHC_EVENTS_TOKEN="WRONGtoken0123456789abc")
    result = subprocess.run([sys.executable, "-m", "mhc_core.capture.headless"], env=env, capture_output=True,
                            text=True, timeout=30)
    assert result.returncode == 1
    assert "capture: token rejected (HTTP 401)" in result.stderr
    assert "WRONGtoken0123456789abc" not in result.stdout + result.stderr


def test_no_token_exits_2_and_says_what_to_set(db, database_url, fake_apis, tmp_path):
    env = env_for(database_url, fake_apis, tmp_path)
    env.pop("MHC_EVENTS_TOKEN")
    result = subprocess.run([sys.executable, "-m", "mhc_core.capture.headless"], env=env, capture_output=True,
                            text=True, timeout=30)
    assert result.returncode == 2 and "set MHC_EVENTS_TOKEN" in result.stderr


def test_kill_9_mid_stream_then_restart_stores_every_event_exactly_once(db, database_url, fake_apis_factory, tmp_path):
    fake = fake_apis_factory(events_per_batch=10)
    events = [make_event("tip", f"viewer_{i % 11}", tokens=1 + i % 3) if i % 4 == 0 else
              make_event("chatMessage", f"viewer_{i % 11}", text=f"m{i}") for i in range(2500)]
    ids = fake.push(*events)
    env = env_for(database_url, fake, tmp_path)
    proc = Listener(env, tmp_path)
    wait_for(lambda: journaled(db) >= 300, proc=proc)
    proc.signal(signal.SIGKILL)
    proc.wait(timeout=5)
    at_kill = journaled(db)
    assert 300 <= at_kill < len(ids)
    consistent(db)  # the batch in flight was either committed whole or not at all
    again = Listener(env, tmp_path)
    wait_for(lambda: cursor(db) == ids[-1], timeout=60, proc=again)
    again.signal(signal.SIGTERM)
    assert again.wait(timeout=5) == 0
    consistent(db)
    assert [r[0] for r in rows(db, "SELECT event_id FROM event_log ORDER BY id")] == ids
    assert scalar(db, "SELECT count(DISTINCT event_id) FROM interactions") == len(ids)
    expected_tokens = sum(e["object"]["tip"]["tokens"] for e in events if e["method"] == "tip")
    assert scalar(db, "SELECT sum((metadata->>'tokens')::int) FROM interactions") == expected_tokens


def test_a_reader_that_closes_the_pipe_ends_listen_quietly_with_the_cursor_saved(
    db, database_url, fake_apis_factory, tmp_path
):
    fake = fake_apis_factory(events_per_batch=10)
    fake.push(*[make_event("chatMessage", f"viewer_{i % 7}", text=f"m{i}") for i in range(200)])
    err_path = tmp_path / "err"
    with err_path.open("w") as err:  # `mhc listen --jsonl | head -1`
        proc = subprocess.Popen([sys.executable, "-m", "mhc_core.capture.headless", "--jsonl"],
                                env=env_for(database_url, fake, tmp_path), stdout=subprocess.PIPE, stderr=err)
        assert proc.stdout is not None
        first = json.loads(proc.stdout.readline())
        proc.stdout.close()
        try:
            rc = proc.wait(timeout=20)
        finally:
            proc.kill()
    said = err_path.read_text()
    assert rc == 0, said[-2000:]
    assert first["content"] == "m0"
    assert "Traceback" not in said and "BrokenPipe" not in said
    assert "capture: stopped" in said
    consistent(db)
    assert cursor(db) is not None
