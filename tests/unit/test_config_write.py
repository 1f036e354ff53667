"""Remembering a setting in config.toml: the rest of the file, its mode and its symlink are kept; a
read-only or broken file is refused and left as it was."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from mhc_core.config import ConfigError, config_file, load_settings
from mhc_core.config_write import remember_setting

MINE = """# my console
broadcaster = "hudson_cage"   # the room
stats_poll_seconds = 120

[keys]
# f5 is taken by my terminal
start_session = "f9"
"""


def _config(text: str, mode: int = 0o600) -> Path:
    path = config_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(mode)
    return path


def test_the_other_keys_comments_and_tables_stay_as_they_were() -> None:
    path = _config(MINE)
    remember_setting("theme", "mhc-daylight")
    text = path.read_text()
    assert text.startswith(MINE.split("\n[keys]")[0])
    assert '# f5 is taken by my terminal\nstart_session = "f9"' in text
    settings = load_settings()
    assert (settings.theme, settings.keys, settings.stats_poll_seconds) == ("mhc-daylight", {"start_session": "f9"}, 120)


def test_a_second_choice_replaces_the_first() -> None:
    path = _config(MINE)
    remember_setting("theme", "mhc-daylight")
    remember_setting("theme", "mhc-midnight")
    assert path.read_text().count("theme =") == 1
    assert load_settings().theme == "mhc-midnight"


def test_a_new_file_is_private_and_an_existing_one_keeps_its_mode() -> None:
    path = config_file()
    assert remember_setting("theme", "mhc-daylight") == path
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    _config(MINE, mode=0o640)
    remember_setting("theme", "mhc-midnight")
    assert stat.S_IMODE(path.stat().st_mode) == 0o640


def test_a_symlinked_config_stays_a_symlink(tmp_path) -> None:
    target = tmp_path / "dotfiles" / "mhc.toml"
    target.parent.mkdir()
    target.write_text(MINE)
    link = config_file()
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to(target)
    remember_setting("theme", "mhc-daylight")
    assert link.is_symlink() and 'theme = "mhc-daylight"' in target.read_text()


def test_a_read_only_file_is_refused_and_left_alone() -> None:
    path = _config(MINE, mode=0o400)
    with pytest.raises(PermissionError):
        remember_setting("theme", "mhc-daylight")
    assert path.read_text() == MINE
    assert [p.name for p in path.parent.iterdir()] == ["config.toml"]  # no temporary file left behind


def test_a_file_that_is_not_toml_is_refused_and_left_alone() -> None:
    path = _config("broadcaster = \n")
    with pytest.raises(ConfigError, match="invalid TOML, not changed"):
        remember_setting("theme", "mhc-daylight")
    assert path.read_text() == "broadcaster = \n"


def test_a_directory_that_cannot_be_made_is_an_os_error() -> None:
    config_file().parent.parent.mkdir(parents=True, exist_ok=True)
    config_file().parent.write_text("not a directory")
    with pytest.raises(OSError):
        remember_setting("theme", "mhc-daylight")
    assert os.path.isfile(config_file().parent)
