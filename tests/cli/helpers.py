"""Running `mhc` in-process (through `main`) or as a real subprocess, and reading what it printed."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from typing import Any

from mhc.main import main


def run(capsys: Any, *argv: str) -> tuple[int, Any, str]:
    """(exit code, parsed JSON or stdout text, stderr) of `mhc ARGV` run in this process."""
    code = main(list(argv))
    out, err = capsys.readouterr()
    data = json.loads(out) if "--json" in argv and out.strip() else out
    return code, data, err


def stdin_bytes(data: bytes) -> io.TextIOWrapper:
    """A standard input that holds exactly `data`, bytes underneath as a real one has."""
    return io.TextIOWrapper(io.BytesIO(data), encoding="utf-8")


def subprocess_env(cli_env: dict[str, str], **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MHC_")}
    return env | cli_env | extra


def mhc(cli_env: dict[str, str], *args: str | bytes, stdin: bytes | None = None,
        **extra_env: str) -> subprocess.CompletedProcess[bytes]:
    """`mhc ARGS` as a real process (argv may hold raw bytes, as a shell passes them)."""
    return subprocess.run([sys.executable.encode(), b"-m", b"mhc",
                           *(a if isinstance(a, bytes) else a.encode() for a in args)],
                          input=stdin if stdin is not None else b"", capture_output=True,
                          env=subprocess_env(cli_env, **extra_env), timeout=120)


def one_line_error(stderr: str | bytes) -> str:
    """The single line a failed command printed on stderr (asserts there was exactly one, no traceback)."""
    text = stderr.decode("utf-8", "replace") if isinstance(stderr, bytes) else stderr
    lines = text.strip().splitlines()
    assert "Traceback" not in text, text
    assert len(lines) == 1, text
    return lines[0]
