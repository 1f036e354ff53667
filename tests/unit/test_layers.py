"""The layers: the core never reaches up into the console or the program, and no headless command loads a UI.

The import contracts live in pyproject.toml (`[tool.importlinter]`); each is checked here as its own test.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from importlinter.api import read_configuration

from mhc_core import cli
from mhc_core.config import Settings
from tests.capture.helpers import cursor
from tests.fakes import FakeApis, make_event

REPO = Path(__file__).resolve().parents[2]
PYPROJECT = str(REPO / "pyproject.toml")
CONTRACTS = [c["id"] for c in read_configuration(PYPROJECT)["contracts_options"]]
LINT_IMPORTS = "import sys; from importlinter.cli import lint_imports_command; sys.exit(lint_imports_command())"

# Prints, as the last line on stdout, the exit code of each `mhc ARGV` run in this one process and the
# UI modules loaded by then.
PROBE = """
import json, sys
from mhc.main import main
codes = [main(argv) for argv in json.loads(sys.argv[1])]
ui = sorted(m for m in sys.modules if m.split(".")[0] in ("textual", "rich", "mhc_tui"))
print(json.dumps({"codes": codes, "ui": ui, "httpx_cli": "httpx._main" in sys.modules}))
"""


@pytest.mark.parametrize("contract", CONTRACTS)
def test_import_contract_is_kept(contract: str) -> None:
    result = subprocess.run([sys.executable, "-c", LINT_IMPORTS, "--no-logo", "--no-cache", "--contract", contract,
                             PYPROJECT], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


def probe(env: dict[str, str], *commands: list[str], timeout: float = 120) -> dict[str, Any]:
    result = subprocess.run([sys.executable, "-c", PROBE, json.dumps(commands)], env=env, cwd=REPO,
                            capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.splitlines()[-1])


def assert_no_ui(result: dict[str, Any]) -> None:
    """No console and no Textual. Rich only as httpx's: its command line tool (`httpx._main`) imports rich
    when rich is installed, while the core itself never does (the core-stands-alone contract)."""
    ui = [m for m in result["ui"] if not (m.startswith("rich") and result["httpx_cli"])]
    assert ui == []


def env_with(cli_env: dict[str, str], **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MHC_")}
    return env | cli_env | {"PYTHONPATH": str(REPO)} | extra


@pytest.mark.slow
def test_database_commands_load_no_ui(db: Any, cli_env: dict[str, str]) -> None:
    result = probe(env_with(cli_env),
                   ["db", "upgrade"], ["db", "status", "--json"], ["note", "viewer_12", "regular"],
                   ["person", "viewer_12", "--json"], ["sessions", "--json"], ["session", "status"],
                   ["session", "show", "1"], ["hudson", "--json"])
    assert result["codes"] == [0, 0, 0, 0, 0, 0, 1, 0]
    assert_no_ui(result)


@pytest.mark.slow
def test_commands_over_the_apis_load_no_console(db: Any, cli_env: dict[str, str], fake_apis: FakeApis) -> None:
    result = probe(env_with(cli_env, **fake_apis.env()),
                   ["lookup", "viewer_12", "--json"], ["lookup", "viewer_12", "--statbate", "--json"])
    assert result["codes"] == [0, 0]
    assert_no_ui(result)


@pytest.mark.slow
def test_listen_loads_no_console(db: Any, cli_env: dict[str, str], fake_apis: FakeApis, tmp_path: Path) -> None:
    fake_apis.push(make_event("chatMessage", "viewer_12", text="hello"))
    env = env_with(cli_env, **fake_apis.env(), MHC_EVENTS_TIMEOUT="1")
    with (tmp_path / "err").open("w") as err:
        proc = subprocess.Popen([sys.executable, "-c", PROBE, json.dumps([["listen"]])], env=env, cwd=REPO,
                                stdout=subprocess.PIPE, stderr=err, text=True)
    try:
        deadline = time.monotonic() + 30
        while cursor(db) != fake_apis.event_ids[-1]:
            assert proc.poll() is None, (tmp_path / "err").read_text()
            assert time.monotonic() < deadline, "the listener stored nothing"
            time.sleep(0.05)
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=30)
    finally:
        proc.kill()
    result = json.loads(out.splitlines()[-1])
    assert result["codes"] == [0]
    assert_no_ui(result)


def test_the_console_runner_is_given_by_the_program(capsys: pytest.CaptureFixture[str]) -> None:
    calls: list[tuple[Settings, bool]] = []

    def console(settings: Settings, verbose: bool) -> int:
        calls.append((settings, verbose))
        return 7

    assert cli.main([], console=console) == 7
    assert cli.main(["--verbose", "console"], console=console) == 7
    assert [verbose for _, verbose in calls] == [False, True]
    assert capsys.readouterr().err == ""


def test_the_core_alone_has_no_console_to_open(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["console"]) == 0
    assert "usage: mhc" in capsys.readouterr().out
