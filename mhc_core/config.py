"""Configuration: environment `MHC_*`, a `.env` file, and `config.toml` in the user config dir.

Precedence, highest first: environment, `.env`, `config.toml`, defaults. Tokens are `SecretStr`
so that a repr, a log line or a traceback never shows them.
"""

from __future__ import annotations

import re
from datetime import tzinfo
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import platformdirs
from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

APP_NAME = "mhc-control-panel"
USERNAME_RE = re.compile(r"^[a-z0-9_]{1,64}$")


def config_dir() -> Path:
    return Path(platformdirs.user_config_dir(APP_NAME))


def config_file() -> Path:
    return config_dir() / "config.toml"


class ConfigError(Exception):
    """A setting has an invalid value. The message is one line naming the variable."""


def _check_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("must be an http(s) URL with a host")
    try:
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError as exc:
        raise ValueError("has an invalid port") from exc
    return value.rstrip("/")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="MHC_",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        case_sensitive=False,
    )

    database_url: str | None = None
    broadcaster: str = "hudson_cage"

    events_token: SecretStr | None = None
    events_base_url: str = "https://eventsapi.chaturbate.com"
    events_timeout: int = Field(30, ge=0, le=90)

    stats_token: SecretStr | None = None
    stats_base_url: str = "https://chaturbate.com"
    stats_poll_seconds: int = Field(300, ge=1)

    statbate_token: SecretStr | None = None
    statbate_base_url: str = "https://plus.statbate.com/api"

    session_merge_minutes: int = Field(30, ge=0)
    timezone: str | None = None

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
        toml = TomlConfigSettingsSource(settings_cls, toml_file=config_file())
        return (init_settings, env_settings, dotenv_settings, toml)

    @field_validator("broadcaster")
    @classmethod
    def _broadcaster(cls, value: str) -> str:
        value = value.strip().lower()
        if not USERNAME_RE.match(value):
            raise ValueError("must be a username: letters, digits and underscores")
        return value

    @field_validator("events_base_url", "stats_base_url", "statbate_base_url")
    @classmethod
    def _url(cls, value: str) -> str:
        return _check_url(value)

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        value = value.strip()
        if not value.startswith(("postgresql://", "postgresql+psycopg://", "postgres://")):
            raise ValueError("must be a postgresql+psycopg:// URL")
        return value

    @field_validator("events_token", "stats_token", "statbate_token", mode="before")
    @classmethod
    def _empty_token_is_none(cls, value: object) -> object:
        if isinstance(value, str) and not value.strip():
            return None
        return value

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

    # -- derived -------------------------------------------------------------

    @property
    def resolved_data_dir(self) -> Path:
        return self.data_dir or Path(platformdirs.user_data_dir(APP_NAME))

    @property
    def resolved_log_dir(self) -> Path:
        return self.log_dir or Path(platformdirs.user_log_dir(APP_NAME))

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


def load_settings(**overrides: object) -> Settings:
    """Load settings, turning a validation failure into a one-line ConfigError."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        err = exc.errors()[0]
        field = str(err["loc"][0]) if err.get("loc") else "config"
        message = err.get("msg", "invalid value").removeprefix("Value error, ")
        raw = err.get("input")
        shown = "" if field.endswith("token") or isinstance(raw, dict) else f" (got {raw!r})"
        raise ConfigError(f"MHC_{field.upper()}: {message}{shown}") from None
    except (OSError, ValueError) as exc:  # an unreadable or malformed config.toml / .env
        raise ConfigError(f"config: cannot read settings: {exc}") from None
