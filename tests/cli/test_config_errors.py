"""Configuration mistakes end `mhc` with exit code 2 and one line naming the setting, file and line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

TOKEN = "SECRETtok3n0123456789"


def mhc(cwd: Path, env_extra: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """`mhc ARGS` in `cwd` (where its `.env` is read) with the isolated test environment plus `env_extra`."""
    # If a bad URL were accepted, libpq's default socket must not lead to a real server.
    env = dict(os.environ) | {"PGHOST": str(cwd / "no-socket-here")} | env_extra
    return subprocess.run([sys.executable, "-m", "mhc", *args], capture_output=True, text=True,
                          env=env, cwd=cwd, timeout=60)


def one_error_line(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def config_toml() -> Path:
    path = Path(os.environ["XDG_CONFIG_HOME"]) / "mhc-control-panel" / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


@pytest.mark.parametrize("setting, value", [
    ("MHC_STATS_POLL_SECONDS", "99999999999999999999"),
    ("MHC_STATS_POLL_SECONDS", "86401"),
    ("MHC_SESSION_MERGE_MINUTES", "2000000000000"),
    ("MHC_SESSION_MERGE_MINUTES", "10081"),
    ("MHC_EVENTS_BASE_URL", "http://127.0.0.1:0"),
    ("MHC_STATS_BASE_URL", "http://127.0.0.1/\x1b[2J"),
    ("MHC_STATBATE_TOKEN", "caf\u00e9-token"),
    ("MHC_EVENTS_TOKEN", "two\tparts"),
])
def test_values_that_would_fail_later_exit_2_naming_the_variable(cli_env, tmp_path, setting, value) -> None:
    line = one_error_line(mhc(tmp_path, {setting: value}, "db", "status"))
    assert line.startswith(f"mhc: {setting}: ")
    assert "\x1b" not in line


@pytest.mark.parametrize("url", [
    "postgresql+psycopg://u:pw-secret@127.0.0.1:99999/db",
    "postgresql+psycopg://u:pw-secret@127.0.0.1:abc/db",
    "postgresql+psycopg://u:pw-secret@127.0.0.1/db?port=70000",
    "postgresql://",
    "postgresql+psycopg://u:pw-secret@/",
])
def test_a_database_url_with_a_bad_port_or_no_host_and_no_database_exits_2(tmp_path, url) -> None:
    line = one_error_line(mhc(tmp_path, {"MHC_DATABASE_URL": url, "MHC_LOG_DIR": str(tmp_path)}, "db", "status"))
    assert line.startswith("mhc: MHC_DATABASE_URL: ")
    assert "pw-secret" not in line


def test_a_malformed_env_line_exits_2_naming_the_file_and_line(cli_env, tmp_path) -> None:
    (tmp_path / ".env").write_text(f"MHC_BROADCASTER=someone\n\nMHC_EVENTS_TOKEN {TOKEN}\nMHC_TIMEZONE=UTC\n")
    line = one_error_line(mhc(tmp_path, {}, "db", "status"))
    assert line == f"mhc: {tmp_path / '.env'} line 3: not KEY=VALUE (check quotes and spaces)"


def test_an_unterminated_quote_in_env_is_reported_at_its_line(cli_env, tmp_path) -> None:
    (tmp_path / ".env").write_text(f'MHC_BROADCASTER=someone\nMHC_STATS_TOKEN="{TOKEN}\nMHC_TIMEZONE=UTC\n')
    line = one_error_line(mhc(tmp_path, {}, "db", "status"))
    assert ".env line 2: not KEY=VALUE" in line and TOKEN not in line


def test_a_bad_value_in_env_names_the_file_and_line(cli_env, tmp_path) -> None:
    (tmp_path / ".env").write_text("# settings\nMHC_STATS_POLL_SECONDS=2000000000\n")
    line = one_error_line(mhc(tmp_path, {}, "db", "status"))
    assert line.startswith(f"mhc: MHC_STATS_POLL_SECONDS ({tmp_path / '.env'} line 2): ")


def test_env_that_is_not_utf8_names_the_file(cli_env, tmp_path) -> None:
    (tmp_path / ".env").write_bytes(b"MHC_BROADCASTER=caf\xe9\n")
    line = one_error_line(mhc(tmp_path, {}, "db", "status"))
    assert line.startswith(f"mhc: {tmp_path / '.env'}: not UTF-8 text")


def test_invalid_toml_names_the_file_and_line(cli_env, tmp_path) -> None:
    path = config_toml()
    path.write_text(f'events_token = "{TOKEN}"\nstats_poll_seconds = \n')
    line = one_error_line(mhc(tmp_path, {}, "db", "status"))
    assert line.startswith(f"mhc: {path}: invalid TOML: ") and "line 2" in line
    assert TOKEN not in line


def test_a_wrong_type_in_toml_names_the_file_and_the_variable(cli_env, tmp_path) -> None:
    path = config_toml()
    path.write_text('stats_poll_seconds = "often"\n')
    line = one_error_line(mhc(tmp_path, {}, "db", "status"))
    assert line.startswith(f"mhc: MHC_STATS_POLL_SECONDS (stats_poll_seconds in {path}): ")


def test_a_directory_with_a_nul_character_exits_2_naming_it(database_url, tmp_path) -> None:
    path = config_toml()
    path.write_text('log_dir = "logs\\u0000here"\n')
    line = one_error_line(mhc(tmp_path, {"MHC_DATABASE_URL": database_url}, "db", "status"))
    assert line.startswith(f"mhc: MHC_LOG_DIR (log_dir in {path}): ")
