"""The console's own settings (`theme`, `[keys]`) are checked when it starts: a bad one ends `mhc` with
exit code 2 and one line naming the setting and the file, before any screen is drawn."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest


def _console(cwd: Path, config: str, **env: str) -> subprocess.CompletedProcess[str]:
    path = Path(os.environ["XDG_CONFIG_HOME"]) / "mhc-control-panel" / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(config)
    environment = {k: v for k, v in os.environ.items() if not k.startswith("MHC_")} | {
        "MHC_LOG_DIR": str(cwd / "logs"), **env,
    }
    return subprocess.run([sys.executable, "-m", "mhc"], capture_output=True, text=True, env=environment,
                          cwd=cwd, stdin=subprocess.DEVNULL, timeout=60)


def _one_line(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


@pytest.mark.parametrize("config, says", [
    ('theme = "solarized"\n', "MHC_THEME (theme in {path}): unknown theme 'solarized' (the themes: mhc-midnight, "),
    ('theme = "Bad Theme!"\n', "MHC_THEME (theme in {path}): must be a theme name"),
    ('[keys]\nfoo = "x"\n', "MHC_KEYS (keys in {path}): foo: unknown action (the actions: add_tag, "),
    ('[keys]\nstart_session = "f99"\n', 'MHC_KEYS (keys in {path}): start_session = "f99": "f99" is not a key name'),
    ('[keys]\nstart_session = "n"\n', 'MHC_KEYS (keys in {path}): start_session = "n": n is already note in '),
    ('[keys]\nstart_session = 9\n', "MHC_KEYS (keys in {path}): Input should be a valid string"),
])
def test_a_bad_console_setting_exits_2_in_one_line_naming_it(tmp_path, config, says) -> None:
    line = _one_line(_console(tmp_path, config))
    path = Path(os.environ["XDG_CONFIG_HOME"]) / "mhc-control-panel" / "config.toml"
    assert line.startswith("mhc: " + says.format(path=path)), line


def test_the_environment_names_itself(tmp_path) -> None:
    line = _one_line(_console(tmp_path, "", MHC_THEME="nope"))
    assert line.startswith("mhc: MHC_THEME: unknown theme 'nope'")
