"""Saving what setup was given: a private config.toml, tokens in the keyring when asked, and the
environment's overrides said."""

from __future__ import annotations

import stat
import tomllib
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from keyring.backends import fail
from keyring.errors import PasswordSetError

from mhc_core.config import ConfigError, config_file, config_file_warnings, load_settings
from mhc_core.setup.save import SetupValues, save_setup
from mhc_core.setup.token_store import KeyringProblem
from tests.keyring_backend import FileKeyring

STATS_TOKEN = "STAtok3nSAVED0123456789a"
EVENTS_TOKEN = "EVTtok3nSAVED0123456789a"
ENV_TOKEN = "STAtok3nFROMENV012345678"

MINE = """# my console
theme = "mhc-daylight"   # the light one
stats_poll_seconds = 120

[keys]
start_session = "f9"
"""


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def table(path: Path) -> dict[str, object]:
    return tomllib.loads(path.read_text())


def existing_config(text: str, mode: int) -> Path:
    path = config_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(mode)
    return path


@pytest.fixture
def file_keyring(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The test keyring (a JSON file) in place of the system's; the previous one back afterwards."""
    store = tmp_path / "keyring.json"
    monkeypatch.setenv("MHC_TEST_KEYRING", str(store))
    previous = keyring.get_keyring()
    keyring.set_keyring(FileKeyring())
    yield store
    keyring.set_keyring(previous)


@pytest.fixture
def no_keyring() -> Iterator[None]:
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    yield
    keyring.set_keyring(previous)


class RefusingKeyring(FileKeyring):
    def set_password(self, service: str, username: str, password: str) -> None:
        raise PasswordSetError("locked")


def test_a_new_file_and_its_directory_are_private() -> None:
    path = config_file()
    assert not path.parent.exists()
    saved = save_setup(SetupValues(broadcaster="hudson_cage", stats_token=STATS_TOKEN))
    assert saved.path == path.resolve()
    assert mode_of(path) == 0o600
    assert mode_of(path.parent) == 0o700
    assert table(path) == {"broadcaster": "hudson_cage", "stats_token": STATS_TOKEN}
    assert saved.lines[0] == f"Saved to {saved.path} (readable by you only)."
    assert saved.overridden == () and saved.in_keyring == ()
    assert load_settings().stats_token.get_secret_value() == STATS_TOKEN  # type: ignore[union-attr]


def test_an_open_file_keeps_its_keys_and_comments_and_becomes_private() -> None:
    path = existing_config(MINE, 0o644)
    save_setup(SetupValues(stats_token=STATS_TOKEN))
    text = path.read_text()
    assert text.startswith(MINE.split("\n[keys]")[0])
    assert 'start_session = "f9"' in text
    assert mode_of(path) == 0o600
    settings = load_settings()
    assert (settings.theme, settings.stats_poll_seconds, settings.keys) == ("mhc-daylight", 120, {"start_session": "f9"})
    assert config_file_warnings() == []


def test_the_production_events_server_is_not_written_and_an_old_one_is_removed() -> None:
    path = existing_config('events_base_url = "https://events.testbed.cb.dev"\n', 0o600)
    save_setup(SetupValues(events_base_url="https://eventsapi.chaturbate.com", events_token=EVENTS_TOKEN))
    assert "events_base_url" not in table(path)
    assert load_settings().events_base_url == "https://eventsapi.chaturbate.com"
    save_setup(SetupValues(events_base_url="https://events.testbed.cb.dev"))
    assert table(path)["events_base_url"] == "https://events.testbed.cb.dev"


def test_a_token_in_the_environment_still_wins_and_is_said(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MHC_STATS_TOKEN", ENV_TOKEN)
    saved = save_setup(SetupValues(broadcaster="hudson_cage", stats_token=STATS_TOKEN))
    assert saved.overridden == ("MHC_STATS_TOKEN",)
    assert "MHC_STATS_TOKEN is set in the environment: that value is used, not the saved one." in saved.notes
    assert table(saved.path)["stats_token"] == STATS_TOKEN
    assert load_settings().stats_token.get_secret_value() == ENV_TOKEN  # type: ignore[union-attr]
    assert not any(ENV_TOKEN in line or STATS_TOKEN in line for line in saved.lines)


def test_a_token_in_dot_env_is_said_as_dot_env() -> None:
    Path(".env").write_text(f"MHC_STATS_TOKEN={ENV_TOKEN}\n")
    saved = save_setup(SetupValues(stats_token=STATS_TOKEN))
    assert saved.overridden == ("MHC_STATS_TOKEN",)
    assert "MHC_STATS_TOKEN is set in .env: that value is used, not the saved one." in saved.notes


def test_tokens_in_the_keyring_and_only_references_in_the_file(file_keyring: Path) -> None:
    saved = save_setup(SetupValues(stats_token=STATS_TOKEN, events_token=EVENTS_TOKEN), use_keyring=True)
    assert set(saved.in_keyring) == {"stats_token", "events_token"}
    text = saved.path.read_text()
    assert STATS_TOKEN not in text and EVENTS_TOKEN not in text
    assert table(saved.path) == {
        "events_token": "keyring:mhc-control-panel/events_token",
        "stats_token": "keyring:mhc-control-panel/stats_token",
    }
    assert keyring.get_password("mhc-control-panel", "stats_token") == STATS_TOKEN
    assert any("system keyring" in note for note in saved.notes)
    settings = load_settings()
    assert settings.stats_token.get_secret_value() == STATS_TOKEN  # type: ignore[union-attr]
    assert settings.events_token.get_secret_value() == EVENTS_TOKEN  # type: ignore[union-attr]


def test_without_a_system_keyring_the_tokens_go_in_the_file(no_keyring: None) -> None:
    saved = save_setup(SetupValues(stats_token=STATS_TOKEN), use_keyring=True)
    assert saved.in_keyring == ()
    assert table(saved.path)["stats_token"] == STATS_TOKEN
    assert mode_of(saved.path) == 0o600
    assert any(note.startswith("No system keyring here") for note in saved.notes)


def test_a_keyring_that_refuses_leaves_the_file_as_it_was(file_keyring: Path) -> None:
    path = existing_config(MINE, 0o600)
    keyring.set_keyring(RefusingKeyring())
    with pytest.raises(KeyringProblem) as refused:
        save_setup(SetupValues(broadcaster="someone_else", stats_token=STATS_TOKEN), use_keyring=True)
    assert STATS_TOKEN not in str(refused.value)
    assert path.read_text() == MINE


def test_a_reference_to_a_missing_entry_stops_the_load_with_one_line(file_keyring: Path) -> None:
    save_setup(SetupValues(stats_token=STATS_TOKEN), use_keyring=True)
    file_keyring.write_text("{}")  # the entry was deleted from the keyring since
    with pytest.raises(ConfigError) as refused:
        load_settings()
    message = str(refused.value)
    assert message.startswith("MHC_STATS_TOKEN")
    assert "does not exist" in message
    assert "\n" not in message
    assert STATS_TOKEN not in message


def test_an_open_file_holding_only_references_is_not_warned_of(file_keyring: Path) -> None:
    saved = save_setup(SetupValues(stats_token=STATS_TOKEN), use_keyring=True)
    saved.path.chmod(0o644)
    assert config_file_warnings() == []
    saved.path.write_text(f'stats_token = "{STATS_TOKEN}"\n')  # a token itself: that is warned of
    [warning] = config_file_warnings()
    assert "chmod 600" in warning and STATS_TOKEN not in warning


def test_no_token_given_asks_no_keyring_and_says_nothing_of_one() -> None:
    path = existing_config(MINE, 0o600)
    saved = save_setup(SetupValues(broadcaster="hudson_cage"), use_keyring=True)
    assert saved.in_keyring == () and saved.notes == []
    assert table(path)["broadcaster"] == "hudson_cage"
    assert mode_of(path) == 0o600
