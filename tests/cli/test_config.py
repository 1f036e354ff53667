"""`mhc config [--json]`: each setting's effective value, tokens masked, and where it came from."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.cli.helpers import run

TOKEN = "STAtok3nSECRET0123456789"


def config_toml(text: str) -> Path:
    path = Path(os.environ["XDG_CONFIG_HOME"]) / "mhc-control-panel" / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(0o600)
    return path


def test_each_setting_says_where_it_came_from_and_the_environment_wins(
    cli_env, capsys, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    path = config_toml(f'stats_token = "{TOKEN}"\nbroadcaster = "from_file"\nstats_poll_seconds = 60\n')
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("MHC_STATS_POLL_SECONDS=90\n")
    monkeypatch.setenv("MHC_BROADCASTER", "from_env")
    code, data, err = run(capsys, "config", "--json")
    assert code == 0 and err == ""
    assert data["file"] == str(path) and data["file_exists"] is True
    shown = data["settings"]
    assert shown["MHC_BROADCASTER"] == {"value": "from_env", "source": "environment"}
    assert shown["MHC_STATS_POLL_SECONDS"] == {"value": 90, "source": ".env"}
    assert shown["MHC_STATS_TOKEN"] == {"value": "****", "source": "file"}
    assert shown["MHC_EVENTS_TOKEN"] == {"value": None, "source": "default"}
    assert shown["MHC_STATBATE_RATE_PER_MINUTE"] == {"value": 60, "source": "default"}


def test_no_token_or_password_is_printed(cli_env, capsys, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MHC_EVENTS_TOKEN", TOKEN)
    monkeypatch.setenv("MHC_DATABASE_URL", "postgresql+psycopg://mhc:hunter2secret@db.example:5432/mhc")
    for argv in (("config",), ("config", "--json")):
        code, out, err = run(capsys, *argv)
        text = str(out) + err
        assert code == 0
        assert TOKEN not in text and "hunter2secret" not in text
        assert "postgresql+psycopg://mhc:****@db.example:5432/mhc" in text
    code, out, _ = run(capsys, "config")
    assert any(line.startswith("MHC_EVENTS_TOKEN") and "****" in line and "[environment]" in line
               for line in out.splitlines())
