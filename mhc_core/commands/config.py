"""`mhc config [--json]`: every setting's effective value (tokens masked), where it came from, and the file.

Where a value came from follows the precedence the settings are read with (mhc_core.config): the
environment, then `.env` in the working directory, then `config.toml`, then the default.
"""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

if TYPE_CHECKING:
    from mhc_core.config import Settings

MASK = "****"


def _sources(settings: Settings) -> dict[str, str]:
    """Field -> "environment" | ".env" | "file" | "default"."""
    from mhc_core.config import ENV_FILE, ENV_PREFIX, config_file, env_file_lines, read_config_toml

    environment = {key.upper() for key in os.environ}
    dotenv = env_file_lines(ENV_FILE)
    in_file = {str(key).lower() for key in read_config_toml(config_file())}
    out = {}
    for field in type(settings).model_fields:
        name = f"{ENV_PREFIX}{field.upper()}"
        if name in environment:
            out[field] = "environment"
        elif name.lower() in dotenv:
            out[field] = ".env"
        elif field in in_file:
            out[field] = "file"
        else:
            out[field] = "default"
    return out


def _without_password(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=f"{parts.username or ''}:{MASK}@{host}"))


def _shown(field: str, value: Any) -> Any:
    from mhc_core.config import TOKEN_FIELDS

    if field in TOKEN_FIELDS:
        return MASK if value is not None else None
    if field == "database_url" and value:
        return _without_password(value)
    if isinstance(value, Path):
        return str(value)
    return value


def effective(settings: Settings) -> dict[str, Any]:
    """What `mhc config --json` prints: {"file", "file_exists", "settings": {NAME: {"value", "source"}}}."""
    from mhc_core.config import ENV_PREFIX, config_file

    sources = _sources(settings)
    values = {
        f"{ENV_PREFIX}{field.upper()}": {"value": _shown(field, getattr(settings, field)), "source": sources[field]}
        for field in type(settings).model_fields
    }
    path = config_file()
    return {"file": str(path), "file_exists": path.is_file(), "settings": values}


def cmd_config(args: argparse.Namespace, settings: Settings) -> int:
    from mhc_core.cli import EXIT_OK, emit_json, say

    shown = effective(settings)
    if args.json:
        emit_json(shown)
        return EXIT_OK
    say(f"config file: {shown['file']}{'' if shown['file_exists'] else ' (none yet)'}")
    width = max(len(name) for name in shown["settings"])
    for name, item in shown["settings"].items():
        value = item["value"]
        text = "(unset)" if value is None else value if isinstance(value, str) else json.dumps(value)
        say(f"{name:<{width}}  {text}  [{item['source']}]")
    return EXIT_OK


def add_commands(sub: Any, add: Callable[..., argparse.ArgumentParser]) -> None:
    add("config", cmd_config, "every setting's effective value (tokens masked) and where it came from")
