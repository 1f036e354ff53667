"""Configuration: environment `MHC_*`, a `.env` file, and `config.toml` in the user config dir.

Precedence, highest first: environment, `.env`, `config.toml`, defaults. Tokens are `SecretStr`
so that a repr, a log line or a traceback never shows them.

Every value is checked here, where it is read, so that a bad one stops the program at start with
one line naming it (`ConfigError`) instead of crashing later where it is used. The two files are
read strictly: a `.env` line python-dotenv cannot parse (and would silently drop, with whatever
token it held) and a `config.toml` that is not valid TOML are errors naming the file and line.
"""

from __future__ import annotations

import io
import os
import re
import shlex
import stat
import tomllib
from datetime import tzinfo
from pathlib import Path
from typing import Any, Literal
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import platformdirs
from dotenv.parser import parse_stream
from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    DotEnvSettingsSource,
    InitSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from mhc_core.alerts.rules import AlertRule, parse_rules
from mhc_core.display import one_line
from mhc_core.radar.tiers import Tiers, parse_radar
from mhc_core.setup.token_store import KeyringProblem, is_reference, resolve
from mhc_core.username import normalize_username

APP_NAME = "mhc-control-panel"
ENV_PREFIX = "MHC_"
# Relative on purpose: the `.env` of the directory the command runs in.
ENV_FILE = Path(".env")
TOKEN_FIELDS = ("events_token", "stats_token", "statbate_token")

# Upper bounds: beyond these a value is a typo, and timers and date arithmetic overflow on it.
MAX_STATS_POLL_SECONDS = 24 * 60 * 60
MAX_SESSION_MERGE_MINUTES = 7 * 24 * 60
DATABASE_SCHEMES = ("postgresql", "postgresql+psycopg", "postgres")


def config_dir() -> Path:
    return Path(platformdirs.user_config_dir(APP_NAME))


def config_file() -> Path:
    return config_dir() / "config.toml"


class ConfigError(Exception):
    """A setting has an invalid value. The message is one line naming the variable."""


# -- the two files ---------------------------------------------------------------------------------


def _read_text(path: Path) -> str:
    """A settings file's text, read as python-dotenv and tomllib read it (UTF-8, universal newlines)."""
    try:
        with path.open(encoding="utf-8") as handle:
            return handle.read()
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path.absolute()}: not UTF-8 text (byte {exc.start})") from None
    except OSError as exc:
        raise ConfigError(f"{path.absolute()}: cannot read: {exc.strerror or exc}") from None


def _env_file_text(path: Path) -> str | None:
    # A FIFO (`<(...)`) can be read only once, by pydantic-settings: it is not checked beforehand.
    return _read_text(path) if path.is_file() else None


def _binding_line(string: str, line: int) -> int:
    """python-dotenv starts a binding at the blank lines before it; count from its first character."""
    leading = string[: len(string) - len(string.lstrip())]
    return line + leading.count("\n")


def check_env_file(path: Path = ENV_FILE) -> None:
    """Raise ConfigError for the first line of `path` that python-dotenv cannot parse.

    python-dotenv (under pydantic-settings) drops such a line with a warning nobody sees, and the
    setting on it is lost. The line's text is not shown: it may hold a token.
    """
    text = _env_file_text(path)
    if text is None:
        return
    for binding in parse_stream(io.StringIO(text)):
        if binding.error:
            line = _binding_line(binding.original.string, binding.original.line)
            raise ConfigError(f"{path.absolute()} line {line}: not KEY=VALUE (check quotes and spaces)")


def env_file_lines(path: Path) -> dict[str, int]:
    """Lower-cased variable name -> line number, for the `.env` bindings that parse."""
    text = _env_file_text(path)
    if text is None:
        return {}
    return {
        binding.key.lower(): _binding_line(binding.original.string, binding.original.line)
        for binding in parse_stream(io.StringIO(text))
        if binding.key is not None and not binding.error
    }


def read_config_toml(path: Path) -> dict[str, Any]:
    """The table in `config.toml` ({} if there is no file); ConfigError naming the file otherwise."""
    if not path.exists():
        return {}
    text = _read_text(path)
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:  # the message ends with "(at line N, column M)"
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None


def config_file_warnings(path: Path | None = None) -> list[str]:
    """One line if `config.toml` holds a token and other users may read it (as ssh warns of a key)."""
    path = path or config_file()
    if not path.is_file():
        return []
    mode = stat.S_IMODE(path.stat().st_mode)
    if not mode & (stat.S_IRGRP | stat.S_IROTH):
        return []
    table = {str(key).lower(): value for key, value in read_config_toml(path).items()}
    if not any(table.get(field) and not is_reference(table.get(field)) for field in TOKEN_FIELDS):
        return []
    return [f"{path} holds a token and is readable by other users (mode {mode:04o}): chmod 600 {path}"]


class _ConfigToml(InitSettingsSource):
    """`config.toml` as a settings source, read strictly (pydantic-settings' own one reports no file)."""

    def __init__(self, settings_cls: type[BaseSettings], path: Path) -> None:
        super().__init__(settings_cls, read_config_toml(path))


# -- value checks ----------------------------------------------------------------------------------


def _check_port(port: int | str, what: str) -> None:
    text = str(port).strip()
    if not text.isdigit() or not 1 <= int(text) <= 65535:
        raise ValueError(f"has an invalid {what} (must be 1-65535)")


def _check_url(value: str) -> str:
    if not value.isascii() or any(not ch.isprintable() or ch.isspace() for ch in value):
        raise ValueError("must be an http(s) URL of visible ASCII characters, without spaces")
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("must be an http(s) URL with a host")
    try:
        port = parts.port
    except ValueError as exc:
        raise ValueError("has an invalid port") from exc
    if port is not None:
        _check_port(port, "port")
    return value.rstrip("/")


def _check_database_url(value: str) -> str:
    """A postgresql URL libpq can use, naming a server or a database (never "the OS user's").

    Read with urllib, as SQLAlchemy reads it (scheme, user@host:port, /database, ?query): loading
    SQLAlchemy here would hold back the console's first frame by a fifth of a second.
    """
    invalid = "is not a valid URL (postgresql+psycopg://user@host:5432/db)"
    if "://" not in value:
        raise ValueError(invalid)
    try:
        parts = urlsplit(value)
    except ValueError as exc:
        raise ValueError(invalid) from exc
    if parts.scheme not in DATABASE_SCHEMES:
        raise ValueError("must be a postgresql+psycopg:// URL")
    try:
        port = parts.port
    except ValueError as exc:  # not a number, or out of range
        digits = parts.netloc.rpartition("@")[2].rpartition(":")[2]
        if digits.isdigit():
            _check_port(int(digits), "port")
        raise ValueError(invalid) from exc
    if port is not None:
        _check_port(port, "port")
    query = parse_qs(parts.query)
    for raw in _query_values(tuple(query.get("port", ()))):
        _check_port(raw, "port= parameter")
    has_host = bool(parts.hostname) or any(_query_values(tuple(query.get("host", ()))))
    if not has_host and not parts.path.lstrip("/"):
        # libpq would fall back to the default socket and a database named after the OS user.
        raise ValueError("names neither a host nor a database (postgresql+psycopg://user@host:5432/db)")
    return value


def _query_values(value: str | tuple[str, ...] | None) -> list[str]:
    """A libpq query parameter's values: repeated, or comma-separated for several hosts."""
    if value is None:
        return []
    values = (value,) if isinstance(value, str) else value
    return [part for item in values for part in item.split(",") if part.strip()]


def _check_token(value: object) -> object:
    if not isinstance(value, str):
        return value
    value = value.strip()
    if not value:
        return None
    if is_reference(value):  # kept in the system keyring; the file holds only where (mhc setup)
        try:
            value = resolve(value).strip()
        except KeyringProblem as exc:
            raise ValueError(str(exc)) from None
    # Tokens travel in URL paths, query strings and headers: only printable ASCII survives all three.
    if not value.isascii() or not value.isprintable():
        raise ValueError("must be printable ASCII (no control or non-ASCII characters)")
    return value


def _check_dir(value: Path | None) -> Path | None:
    if value is not None and "\x00" in str(value):
        raise ValueError("must be a directory path (it holds a NUL character)")
    return value


class Settings(BaseSettings):
    # No `env_file` here: `.env` is checked line by line before it is read (settings_customise_sources).
    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="ignore", case_sensitive=False)

    database_url: str | None = None
    broadcaster: str = "hudson_cage"

    events_token: SecretStr | None = None
    events_base_url: str = "https://eventsapi.chaturbate.com"
    events_timeout: int = Field(30, ge=0, le=90)

    stats_token: SecretStr | None = None
    stats_base_url: str = "https://chaturbate.com"
    stats_poll_seconds: int = Field(300, ge=1, le=MAX_STATS_POLL_SECONDS)

    statbate_token: SecretStr | None = None
    statbate_base_url: str = "https://plus.statbate.com/api"
    # Every Statbate call this process makes shares this budget (Statbate allows 120 a minute).
    statbate_rate_per_minute: int = Field(60, ge=1, le=120)
    # A person with a Statbate snapshot fresher than this is not asked again when he arrives.
    statbate_refresh_hours: int = Field(24, ge=0, le=24 * 365)

    # The live radar: `[radar.tiers]` and the `[[alerts]]` rules (None: the default rules).
    radar: dict[str, Any] = Field(default_factory=dict)
    alerts: list[Any] | None = None
    # Run once per alert with its JSON on standard input (split as a shell would, run without one).
    alert_command: str | None = None

    session_merge_minutes: int = Field(30, ge=0, le=MAX_SESSION_MERGE_MINUTES)
    # A capture-lock holder whose heartbeat is older than this is presumed frozen and replaced.
    capture_lease_seconds: int = Field(20, ge=5, le=3600)
    timezone: str | None = None
    # The console's look and keys: a theme name, and binding id -> keys (`[keys]` in config.toml).
    # The console checks both against its themes and bindings when it starts (mhc_tui.keys).
    theme: str | None = None
    keys: dict[str, str] = Field(default_factory=dict)

    # Where the embedded Postgres and the logs live; defaults to the user's data/log dirs.
    data_dir: Path | None = None
    log_dir: Path | None = None

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        check_env_file(ENV_FILE)
        dotenv = DotEnvSettingsSource(settings_cls, env_file=ENV_FILE, env_file_encoding="utf-8")
        return (init_settings, env_settings, dotenv, _ConfigToml(settings_cls, config_file()))

    @field_validator("broadcaster")
    @classmethod
    def _broadcaster(cls, value: str) -> str:
        name = normalize_username(value)
        if name is None:
            raise ValueError("must be a username: letters, digits and underscores")
        return name

    @field_validator("events_base_url", "stats_base_url", "statbate_base_url")
    @classmethod
    def _url(cls, value: str) -> str:
        return _check_url(value)

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        return _check_database_url(value.strip())

    @field_validator(*TOKEN_FIELDS, mode="before")
    @classmethod
    def _token(cls, value: object) -> object:
        return _check_token(value)

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        try:
            ZoneInfo(value.strip())
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError("is not a known time zone (e.g. Europe/London)") from exc
        return value.strip()

    @field_validator("theme")
    @classmethod
    def _theme(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        if not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,63}", value.strip()):
            raise ValueError("must be a theme name (e.g. mhc-daylight)")
        return value.strip()

    @field_validator("keys")
    @classmethod
    def _keys(cls, value: dict[str, str]) -> dict[str, str]:
        for action, keys in value.items():
            if not (action + keys).isascii() or not (action + keys).isprintable():
                raise ValueError(f"{one_line(action, 40)}: names and keys are printable ASCII")
        return {action.strip(): keys.strip() for action, keys in value.items()}

    @field_validator("radar")
    @classmethod
    def _radar(cls, value: dict[str, Any]) -> dict[str, Any]:
        parse_radar(value)
        return value

    @field_validator("alerts")
    @classmethod
    def _alerts(cls, value: list[Any] | None) -> list[Any] | None:
        parse_rules(value)
        return value

    @field_validator("alert_command")
    @classmethod
    def _alert_command(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        try:
            words = shlex.split(value)
        except ValueError as exc:
            raise ValueError(f"is not a command line ({exc})") from None
        if not words:
            return None
        return value.strip()

    @field_validator("data_dir", "log_dir")
    @classmethod
    def _directory(cls, value: Path | None) -> Path | None:
        return _check_dir(value)

    # -- derived -------------------------------------------------------------

    @property
    def resolved_data_dir(self) -> Path:
        return self.data_dir or Path(platformdirs.user_data_dir(APP_NAME))

    @property
    def resolved_log_dir(self) -> Path:
        return self.log_dir or Path(platformdirs.user_log_dir(APP_NAME))

    @property
    def tiers(self) -> Tiers:
        return parse_radar(self.radar)

    @property
    def alert_rules(self) -> tuple[AlertRule, ...]:
        return parse_rules(self.alerts)

    @property
    def tz(self) -> tzinfo | None:
        """The display zone; None means the system's local zone."""
        return ZoneInfo(self.timezone) if self.timezone else None

    def secrets(self) -> list[str]:
        """Every configured token, for masking in logs and messages."""
        return [
            token.get_secret_value()
            for token in (self.events_token, self.stats_token, self.statbate_token)
            if token is not None and token.get_secret_value()
        ]


# -- loading ---------------------------------------------------------------------------------------


def _origin(field: str, overrides: dict[str, object]) -> str:
    """The variable a bad value came from, and the file and line when it came from one."""
    name = f"{ENV_PREFIX}{field.upper()}"
    if field in overrides or any(key.upper() == name for key in os.environ):
        return name
    line = env_file_lines(ENV_FILE).get(name.lower())
    if line is not None:
        return f"{name} ({ENV_FILE.absolute()} line {line})"
    path = config_file()
    if any(str(key).lower() == field for key in read_config_toml(path)):
        return f"{name} ({field} in {path})"
    return name


Source = Literal["environment", ".env", "file", "default"]


def source_of(field: str) -> Source:
    """Where a setting's effective value comes from, by the precedence the settings are read with."""
    name = f"{ENV_PREFIX}{field.upper()}"
    if any(key.upper() == name for key in os.environ):
        return "environment"
    if name.lower() in env_file_lines(ENV_FILE):
        return ".env"
    if any(str(key).lower() == field for key in read_config_toml(config_file())):
        return "file"
    return "default"


def origin(field: str) -> str:
    """Where a setting's value came from, for a message about it: `MHC_KEYS (keys in PATH)`."""
    return _origin(field, {})


def _shown(field: str, raw: object) -> str:
    """The offending value, for the message: never a secret, at most one short line."""
    if field in TOKEN_FIELDS or field in ("database_url", "alert_command") or isinstance(raw, dict | list):
        return ""  # a database URL may carry a password
    return f" (got {one_line(repr(raw), 80)})"


def load_settings(**overrides: Any) -> Settings:
    """Load settings, turning a validation failure into a one-line ConfigError."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        err = exc.errors()[0]
        field = str(err["loc"][0]) if err.get("loc") else "config"
        message = err.get("msg", "invalid value").removeprefix("Value error, ")
        raise ConfigError(f"{_origin(field, overrides)}: {message}{_shown(field, err.get('input'))}") from None
    except (OSError, ValueError) as exc:  # anything else the settings sources refuse
        raise ConfigError(f"config: cannot read settings: {one_line(exc, 200)}") from None
