"""No MHC_DATABASE_URL: an embedded Postgres in the user data dir, shared by concurrent processes, durable."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow


def _mhc(data_dir: Path, *args: str) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MHC_")}
    env |= {"MHC_DATA_DIR": str(data_dir), "MHC_LOG_DIR": str(data_dir.parent / "logs")}
    return subprocess.Popen([sys.executable, "-m", "mhc", *args], env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _done(proc: subprocess.Popen) -> tuple[int, str, str]:
    out, err = proc.communicate(timeout=120)
    return proc.returncode, out, err


def test_embedded_postgres_is_shared_and_keeps_data(tmp_path: Path) -> None:
    data = tmp_path / "data"
    # Two processes at once: both use one server, neither fails.
    first, second = _mhc(data, "note", "early_bird", "first note"), _mhc(data, "note", "early_bird", "second note")
    for proc in (first, second):
        code, _, err = _done(proc)
        assert code == 0, (code, err)
    assert (data / "postgres" / "PG_VERSION").exists()
    # A later process (after both exited and the server stopped) finds everything again.
    code, out, err = _done(_mhc(data, "person", "early_bird", "--json"))
    assert code == 0, err
    notes = sorted(i["content"] for i in json.loads(out)["recent_interactions"])
    assert notes == ["first note", "second note"]


def test_embedded_start_failure_is_one_line(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    code, _, err = _done(_mhc(blocker, "sessions"))
    assert code == 1
    assert len(err.strip().splitlines()) == 1 and "embedded Postgres" in err and "Traceback" not in err
