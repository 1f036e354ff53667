"""Settings: every value bounded where it is read, files read strictly, a readable token file warned of."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from mhc_core import logs
from mhc_core.config import ConfigError, load_settings

TOKEN = "EVTtok3nREAL0123456789"


def config_toml() -> Path:
    path = Path(os.environ["XDG_CONFIG_HOME"]) / "mhc-control-panel" / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture
def root_logging() -> Iterator[None]:
    """`logs.configure` replaces the root handlers: give pytest its own back afterwards."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for handler in list(root.handlers):
        root.removeHandler(handler)
        handler.close()
    for handler in handlers:
        root.addHandler(handler)
    root.setLevel(level)


@pytest.mark.parametrize("field, largest", [
    ("stats_poll_seconds", 24 * 60 * 60),
    ("session_merge_minutes", 7 * 24 * 60),
])
def test_numeric_settings_have_an_upper_bound(field: str, largest: int) -> None:
    assert getattr(load_settings(**{field: largest}), field) == largest
    with pytest.raises(ConfigError, match=f"^MHC_{field.upper()}: Input should be less than or equal to {largest}"):
        load_settings(**{field: largest + 1})


ACCEPTED_URLS = [
    "postgresql+psycopg://mhc@db.example:5432/mhc",
    "postgresql:///mhc",  # the default socket, a named database
    "postgresql://mhc@/mhc",
    "postgresql:///?host=/run/postgresql",  # a socket directory is a host
    "postgres://db.example",  # a host; the database is named after the user
    "postgresql://h1,h2/mhc?port=5432,5433",
]
REFUSED_URLS = [
    "postgresql://",
    "postgresql+psycopg://mhc@/",
    "postgresql://?port=5432",
    "postgresql+psycopg://h:65536/mhc",
    "postgresql+psycopg://h:0/mhc",
    "postgresql+psycopg://h/mhc?port=5432,x",
]


def test_a_database_url_must_name_a_host_or_a_database_and_a_valid_port() -> None:
    for url in ACCEPTED_URLS:
        assert load_settings(database_url=url).database_url == url
    for url in REFUSED_URLS:
        with pytest.raises(ConfigError, match="^MHC_DATABASE_URL: "):
            load_settings(database_url=url)


def test_tokens_keep_url_special_characters_but_refuse_control_and_non_ascii() -> None:
    settings = load_settings(stats_token="  ST+TOK/EN=abc 77&z \n")
    assert settings.secrets() == ["ST+TOK/EN=abc 77&z"]
    for bad in ("tok\x1b[2Jen", "t\u00f6ken", "tok\x00en"):
        with pytest.raises(ConfigError, match="^MHC_STATS_TOKEN: must be printable ASCII"):
            load_settings(stats_token=bad)


def test_dotenv_lines_python_dotenv_accepts_still_load() -> None:
    Path(".env").write_text(
        "# comment\nexport MHC_BROADCASTER=some_one\nMHC_TIMEZONE='Europe/London'  # inline\n"
        f'MHC_EVENTS_TOKEN="{TOKEN}"\nOTHER_TOOL_FLAG\n\n'
    )
    settings = load_settings()
    assert (settings.broadcaster, settings.timezone, settings.secrets()) == ("some_one", "Europe/London", [TOKEN])
    Path(".env").write_text(f"MHC_BROADCASTER=some_one\nMHC_EVENTS_TOKEN = '{TOKEN}' junk\n")
    with pytest.raises(ConfigError, match=r"\.env line 2: not KEY=VALUE") as caught:
        load_settings()
    assert TOKEN not in str(caught.value)


def test_a_readable_config_toml_with_a_token_is_warned_of_in_the_console(
    root_logging: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = config_toml()
    path.write_text(f'events_token = "{TOKEN}"\n')
    path.chmod(0o640)
    warning = f"{path} holds a token and is readable by other users (mode 0640): chmod 600 {path}"
    log_file = logs.configure(load_settings(log_dir=tmp_path / "logs"), stderr=False)
    assert capsys.readouterr().err == f"mhc: warning: {warning}\n"
    assert log_file is not None and warning in Path(log_file).read_text()

    path.chmod(0o600)
    logs.configure(load_settings(log_dir=tmp_path / "logs"), stderr=False)
    path.write_text('timezone = "UTC"\n')  # readable, but no token in it
    path.chmod(0o644)
    logs.configure(load_settings(log_dir=tmp_path / "logs"), stderr=False)
    assert capsys.readouterr().err == ""


def test_a_readable_config_toml_with_a_token_is_warned_of_once_headless(
    root_logging: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = config_toml()
    path.write_text(f'stats_token = "{TOKEN}"\n')
    path.chmod(0o604)
    logs.configure(load_settings(log_dir=tmp_path / "logs"), stderr=True)
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1 and lines[0].endswith(f"(mode 0604): chmod 600 {path}")
