"""A failure is one line with the reason and its exit code; the traceback goes only to the log file."""

from __future__ import annotations

import errno
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import text

from tests.cli.helpers import mhc, one_line_error, run, subprocess_env


def log_text(cli_env: dict[str, str]) -> str:
    return (Path(cli_env["MHC_LOG_DIR"]) / "mhc.log").read_text(encoding="utf-8")


def test_a_reader_closing_the_pipe_early_is_not_an_error(db, cli_env) -> None:
    start = datetime(2024, 1, 1, tzinfo=UTC)
    with db.session() as s:  # enough sessions that the JSON overflows the pipe long before it is all written
        for day in range(1500):
            s.execute(text("INSERT INTO stream_sessions (broadcaster, started_at, ended_at, status, origin) "
                           "VALUES ('hudson_cage', :a, :b, 'ENDED', 'manual')"),
                      {"a": start + timedelta(days=day), "b": start + timedelta(days=day, hours=2)})
    command = f"'{sys.executable}' -m mhc sessions --limit 10000 --json | head -1; exit ${{PIPESTATUS[0]}}"
    result = subprocess.run(["bash", "-c", command], capture_output=True, text=True,
                            env=subprocess_env(cli_env), timeout=120)
    assert result.stdout == "[\n"
    assert "Traceback" not in result.stderr and "BrokenPipe" not in result.stderr
    assert result.stderr == "" and result.returncode == 0


def test_a_database_error_mid_command_is_one_line_with_the_traceback_in_the_log(db, cli_env) -> None:
    # The server refuses every write for this one process: the note fails after the database was opened.
    result = mhc(cli_env, "note", "fan_1", "hello", PGOPTIONS="-c default_transaction_read_only=on")
    assert result.returncode == 1
    line = one_line_error(result.stderr)
    assert line.startswith("mhc: database error: cannot execute") and "in a read-only transaction" in line
    assert "Traceback" in log_text(cli_env)


def test_standard_input_that_cannot_be_read_is_one_line_and_exit_2(db, cli_env, tmp_path: Path) -> None:
    write_only = tmp_path / "write-only"
    with write_only.open("wb") as fd:  # a descriptor 0 open for writing only: reading it fails with EBADF
        result = subprocess.run([sys.executable, "-m", "mhc", "lookup", "--paste-file", "-"],
                                stdin=fd, capture_output=True, env=subprocess_env(cli_env), timeout=120)
    assert result.returncode == 2
    assert "cannot read the paste from standard input" in one_line_error(result.stderr)


def test_no_standard_input_at_all_is_one_line_and_exit_2(db, cli_env) -> None:
    command = f"'{sys.executable}' -m mhc lookup --paste-file - <&-"
    result = subprocess.run(["bash", "-c", command], capture_output=True, text=True,
                            env=subprocess_env(cli_env), timeout=120)
    assert result.returncode == 2
    assert "no standard input" in one_line_error(result.stderr)


def test_an_os_error_mid_command_is_one_line_with_the_traceback_in_the_log(db, cli_env, capsys, monkeypatch) -> None:
    def disk_full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("mhc_core.data.build.hudson", disk_full)
    code, out, err = run(capsys, "hudson")
    assert code == 1 and out == ""
    assert "No space left on device" in one_line_error(err)
    assert "Traceback" in log_text(cli_env) and "disk_full" in log_text(cli_env)


def test_an_unexpected_error_names_itself_and_the_log(db, cli_env, capsys, monkeypatch) -> None:
    def broken(*args, **kwargs):
        raise RuntimeError("something broke")

    monkeypatch.setattr("mhc_core.services.sessions.list_sessions", broken)
    code, _, err = run(capsys, "sessions")
    line = one_line_error(err)
    assert code == 1 and "RuntimeError: something broke" in line and "mhc.log" in line
    assert "Traceback" in log_text(cli_env)
