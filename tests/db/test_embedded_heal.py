"""The embedded Postgres heals itself: users counted by liveness, a killed server started again, damaged
pid files and a held start-up lock handled, and SIGHUP/SIGTERM ending `mhc listen` and the console cleanly.

Every test runs real processes against a real embedded server in its own data directory, and makes
sure no server is left running there.
"""

from __future__ import annotations

import json
import os
import pty
import select
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import psutil
import pytest

from mhc_core.db import embedded
from mhc_core.db.embedded import PidFile, read_pid_file
from tests.cli.helpers import one_line_error, run
from tests.fakes import FakeApis, make_event

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
# A process that uses the embedded server until its standard input closes, then exits cleanly.
USER = ("import sys; from pathlib import Path; from mhc_core.db.embedded import start_embedded; "
        "start_embedded(Path(sys.argv[1])); print('ready', flush=True); sys.stdin.read()")
HOLDER = ("import sys; from pathlib import Path; from mhc_core.db.embedded import startup_lock\n"
          "with startup_lock(Path(sys.argv[1])):\n    print('held', flush=True); sys.stdin.read()")


def env_for(data: Path, fake: FakeApis | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MHC_")}
    if fake is not None:
        env |= fake.env()
        env.pop("MHC_STATS_TOKEN")
    return env | {"MHC_DATA_DIR": str(data), "MHC_LOG_DIR": str(data.parent / "logs"), "MHC_EVENTS_TIMEOUT": "1",
                  "PYTHONPATH": str(REPO)}


def mhc(data: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "mhc", *args], env=env_for(data), text=True,
                          capture_output=True, timeout=120)


def server(data: Path) -> PidFile:
    return read_pid_file(data / "postgres")


def gone(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def wait_for(predicate: Callable[[], bool], what: str, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


class Process:
    """A long-running process with its output in files (a full pipe would stall it)."""

    def __init__(self, argv: list[str], env: dict[str, str], folder: Path) -> None:
        n = len(list(folder.glob("out-*")))
        self.out_path, self.err_path = folder / f"out-{n}", folder / f"err-{n}"
        with self.out_path.open("w") as out, self.err_path.open("w") as err:
            self.proc = subprocess.Popen(argv, env=env, stdin=subprocess.PIPE, stdout=out, stderr=err, text=True)

    @property
    def out(self) -> str:
        return self.out_path.read_text()

    @property
    def err(self) -> str:
        return self.err_path.read_text()

    def wait_for_output(self, predicate: Callable[[str], bool], what: str) -> None:
        def seen() -> bool:
            if self.proc.poll() is not None:
                raise AssertionError(f"exited early ({self.proc.returncode}) waiting for {what}: {self.err[-2000:]}")
            return predicate(self.out)

        wait_for(seen, what)

    def close_input(self) -> int:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        return self.proc.wait(timeout=60)


@pytest.fixture
def data(tmp_path: Path) -> Iterator[Path]:
    """A data directory; afterwards every process started here is gone and no server runs on it."""
    folder = tmp_path / "data"
    yield folder
    for proc in psutil.process_iter(["name"]):
        try:
            if proc.info["name"] == "postgres" and Path(proc.cwd()) == folder / "postgres":
                proc.kill()
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue


@pytest.fixture
def started(data: Path, tmp_path: Path) -> Iterator[Callable[..., Process]]:
    procs: list[Process] = []

    def start(argv: list[str], env: dict[str, str] | None = None) -> Process:
        proc = Process(argv, env or env_for(data), tmp_path)
        procs.append(proc)
        return proc

    yield start
    for proc in procs:
        if proc.proc.poll() is None:
            proc.proc.kill()
            proc.proc.wait()


def a_user(start: Callable[..., Process], data: Path) -> Process:
    user = start([sys.executable, "-c", USER, str(data)])
    user.wait_for_output(lambda out: "ready" in out, "the user to start the server")
    return user


def listen(start: Callable[..., Process], data: Path, fake: FakeApis) -> Process:
    return start([sys.executable, "-m", "mhc", "listen", "--jsonl"], env_for(data, fake))


def printed_ids(out: str) -> list[str]:
    return [json.loads(line)["event_id"] for line in out.splitlines()]


def interactions_of(data: Path, username: str) -> int:
    done = mhc(data, "person", username, "--json", "--limit", "1000")
    assert done.returncode == 0, done.stderr
    return len(json.loads(done.stdout)["recent_interactions"])


# -- users are counted by liveness ----------------------------------------------------------------


def test_a_killed_user_does_not_keep_the_server_running(data, started):
    killed = a_user(started, data)
    postmaster = server(data).pid
    assert postmaster is not None
    killed.proc.kill()
    killed.proc.wait()

    done = mhc(data, "note", "early_bird", "a note")

    assert done.returncode == 0, done.stderr
    assert server(data).kind == "absent" and gone(postmaster)  # the last live user stopped it


def test_the_server_stops_only_when_the_last_live_user_leaves(data, started):
    first, second = a_user(started, data), a_user(started, data)
    postmaster = server(data).pid
    assert first.close_input() == 0
    assert server(data) == PidFile("running", postmaster)
    assert second.close_input() == 0
    assert server(data).kind == "absent" and gone(postmaster)


# -- the signals that end a terminal program -------------------------------------------------------


def test_sighup_ends_listen_cleanly_and_the_last_user_stops_the_server(data, started, fake_apis):
    ids = fake_apis.push(*[make_event("chatMessage", "viewer_1", text=f"m{i}") for i in range(5)])
    listener = listen(started, data, fake_apis)
    listener.wait_for_output(lambda out: len(out.splitlines()) == len(ids), "the events to be captured")
    postmaster = server(data).pid

    listener.proc.send_signal(signal.SIGHUP)

    assert listener.proc.wait(timeout=60) == 0, listener.err[-2000:]
    assert "capture: stopped" in listener.err
    assert postmaster is not None and gone(postmaster)
    assert interactions_of(data, "viewer_1") == len(ids)


def _drain(terminal: int) -> None:
    """Read what the console wrote, so it never blocks on a full pseudo-terminal."""
    while select.select([terminal], [], [], 0)[0]:
        try:
            os.read(terminal, 65536)
        except OSError:
            return


def _exit_status(pid: int, terminal: int) -> int:
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status)
        _drain(terminal)
        time.sleep(0.05)


@pytest.mark.parametrize("ending", ["terminal closed", "SIGTERM"])
def test_the_console_ends_cleanly_when_its_terminal_closes_or_on_sigterm(data, fake_apis, ending):
    fake_apis.push(make_event("chatMessage", "viewer_1", text="hello"))
    pid, terminal = pty.fork()
    if pid == 0:  # the child: the console on the pseudo-terminal
        os.execve(sys.executable, [sys.executable, "-m", "mhc"],
                  env_for(data, fake_apis) | {"TERM": "xterm-256color"})
    exit_code: int | None = None
    try:
        def capturing() -> bool:
            _drain(terminal)
            return len(fake_apis.requests_for("events")) >= 2  # the first batch was committed

        wait_for(capturing, "the console to capture")
        postmaster = server(data).pid
        if ending == "SIGTERM":
            os.kill(pid, signal.SIGTERM)
            exit_code = _exit_status(pid, terminal)
        else:
            os.close(terminal)  # the terminal window closed: the kernel sends SIGHUP
            terminal = -1
            exit_code = os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
    finally:
        if terminal >= 0:
            os.close(terminal)
        if exit_code is None:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)

    assert exit_code == 0
    assert postmaster is not None and gone(postmaster)
    assert interactions_of(data, "viewer_1") == 1


# -- a server that died is started again ------------------------------------------------------------


def test_a_postmaster_killed_under_listen_is_started_again_and_capture_goes_on(data, started, fake_apis):
    before = fake_apis.push(*[make_event("chatMessage", "viewer_1", text=f"m{i}") for i in range(5)])
    listener = listen(started, data, fake_apis)
    listener.wait_for_output(lambda out: len(out.splitlines()) == len(before), "the first events")
    killed = server(data).pid
    assert killed is not None
    os.kill(killed, signal.SIGKILL)
    wait_for(lambda: gone(killed), "the postmaster to die")

    after = fake_apis.push(*[make_event("chatMessage", "viewer_1", text=f"n{i}") for i in range(5)])
    listener.wait_for_output(lambda out: len(out.splitlines()) >= len(before + after), "the events after the kill")
    listener.proc.send_signal(signal.SIGTERM)

    assert listener.proc.wait(timeout=60) == 0, listener.err[-2000:]
    assert printed_ids(listener.out) == before + after  # each committed once, in order
    assert "started again" in listener.err
    assert server(data).kind == "absent"  # and stopped by its last user
    assert interactions_of(data, "viewer_1") == len(before + after)


# -- damaged pid files -------------------------------------------------------------------------------


def _unrelated_live_pid(pgdata: Path) -> str:
    return f"{os.getpid()}\n{pgdata}\n{int(time.time())}\n5432\n{pgdata}\n\n  5432001        7\nready   \n"


@pytest.mark.parametrize("content", [_unrelated_live_pid, lambda _: "", lambda _: "postmaster\nis here\n"],
                         ids=["an unrelated live pid", "empty", "not a pid"])
def test_a_stale_or_unreadable_pid_file_does_not_stop_the_next_command(data, content):
    assert mhc(data, "db", "upgrade").returncode == 0
    (data / "postgres" / "postmaster.pid").write_text(content(data / "postgres"))

    done = mhc(data, "sessions")

    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    assert server(data).kind == "absent"


def test_an_unreadable_pid_file_under_a_running_server_is_one_line(data, started):
    user = a_user(started, data)
    pid_file = data / "postgres" / "postmaster.pid"
    postmaster = server(data).pid
    good = pid_file.read_text()
    pid_file.write_text("garbage\n")
    try:
        done = mhc(data, "sessions")
    finally:
        pid_file.write_text(good)

    assert done.returncode == 1
    line = one_line_error(done.stderr)
    assert "unreadable" in line and f"pid {postmaster}" in line
    assert user.close_input() == 0
    assert server(data).kind == "absent"


# -- the start-up lock -------------------------------------------------------------------------------


def test_a_held_start_up_lock_is_waited_on_for_a_bound_then_named(data, started, capsys, monkeypatch):
    holder = started([sys.executable, "-c", HOLDER, str(data)])
    holder.wait_for_output(lambda out: "held" in out, "the lock to be held")
    holder.proc.send_signal(signal.SIGSTOP)  # frozen, as a suspended laptop's console would be
    monkeypatch.setattr(embedded, "STARTUP_LOCK_SECONDS", 0.5)
    monkeypatch.setenv("MHC_DATA_DIR", str(data))
    monkeypatch.setenv("MHC_LOG_DIR", str(data.parent / "logs"))
    try:
        code, _, err = run(capsys, "sessions")
    finally:
        holder.proc.send_signal(signal.SIGCONT)

    assert code == 1
    line = one_line_error(err)
    assert "start-up lock" in line and f"pid {holder.proc.pid} (alive, stopped" in line
    assert holder.close_input() == 0
    # Once it is free, the next command goes ahead.
    assert mhc(data, "sessions").returncode == 0

