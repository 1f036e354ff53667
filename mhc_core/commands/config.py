"""`mhc config [--json]`: every setting's effective value (tokens masked), where it came from, and the file;
`mhc config check [--json]`: each configured token tried with one harmless call (exit 1 if any is rejected).

Where a value came from follows the precedence the settings are read with (mhc_core.config): the
environment, then `.env` in the working directory, then `config.toml`, then the default.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

if TYPE_CHECKING:
    from mhc_core.config import Settings

MASK = "****"


def _sources(settings: Settings) -> dict[str, str]:
    """Field -> "environment" | ".env" | "file" | "default"."""
    from mhc_core.config import source_of

    return {field: source_of(field) for field in type(settings).model_fields}


def _in_keyring() -> set[str]:
    """The token fields whose value in config.toml is a reference to the system keyring."""
    from mhc_core.config import TOKEN_FIELDS, config_file, read_config_toml
    from mhc_core.setup.token_store import is_reference

    table = {str(key).lower(): value for key, value in read_config_toml(config_file()).items()}
    return {field for field in TOKEN_FIELDS if is_reference(table.get(field))}


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
    """What `mhc config --json` prints: {"file", "file_exists", "settings": {NAME: {"value", "source"}}};
    a token read from the system keyring through the file also has `"keyring": true`."""
    from mhc_core.config import ENV_PREFIX, config_file

    sources, kept = _sources(settings), _in_keyring()
    values: dict[str, dict[str, Any]] = {
        f"{ENV_PREFIX}{field.upper()}": {"value": _shown(field, getattr(settings, field)), "source": sources[field]}
        for field in type(settings).model_fields
    }
    for field in kept:
        if sources[field] == "file":  # the file names the keyring entry the token was read from
            values[f"{ENV_PREFIX}{field.upper()}"]["keyring"] = True
    path = config_file()
    return {"file": str(path), "file_exists": path.is_file(), "settings": values}


def cmd_check(args: argparse.Namespace, settings: Settings) -> int:
    from mhc_core.cli import EXIT_FAIL, EXIT_OK, emit_json, say
    from mhc_core.setup.token_checks import run_checks

    checks = run_checks(settings)
    if args.json:
        emit_json({check.api: check.as_json() for check in checks})
    else:
        for check in checks:
            say(check.line)
    return EXIT_FAIL if any(check.verdict == "rejected" for check in checks) else EXIT_OK


def cmd_config(args: argparse.Namespace, settings: Settings) -> int:
    from mhc_core.cli import EXIT_OK, emit_json, say

    if args.action == "check":
        return cmd_check(args, settings)
    shown = effective(settings)
    if args.json:
        emit_json(shown)
        return EXIT_OK
    say(f"config file: {shown['file']}{'' if shown['file_exists'] else ' (none yet)'}")
    width = max(len(name) for name in shown["settings"])
    for name, item in shown["settings"].items():
        value = item["value"]
        text = "(unset)" if value is None else value if isinstance(value, str) else json.dumps(value)
        where = f"{item['source']}, keyring" if item.get("keyring") else item["source"]
        say(f"{name:<{width}}  {text}  [{where}]")
    return EXIT_OK


def add_commands(sub: Any, add: Callable[..., argparse.ArgumentParser]) -> None:
    p = add("config", cmd_config, "every setting's effective value (tokens masked) and where it came from; "
            "check: try each configured token")
    p.add_argument("action", nargs="?", choices=["check"],
                   help="check: try each configured token with one harmless call (exit 1 if one is rejected)")
