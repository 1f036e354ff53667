"""Saving what setup was given: `config.toml` in the user config directory (0600), tokens in the system
keyring when there is one and the broadcaster wants it, and what the environment overrides said.

Saving changes nothing about precedence: a setting in the environment or `.env` still wins over the
file. `Saved.overridden` names those, so the screen and `mhc setup` can say the saved value will not
be the one used.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from mhc_core.config import ENV_PREFIX, TOKEN_FIELDS, config_file, source_of
from mhc_core.config_write import write_settings
from mhc_core.setup.events_url import PRODUCTION_EVENTS_BASE
from mhc_core.setup.token_store import keep, keyring_state


@dataclass(frozen=True)
class SetupValues:
    """What to save; None leaves a setting as the file has it."""

    broadcaster: str | None = None
    events_base_url: str | None = None
    events_token: str | None = None
    stats_token: str | None = None
    statbate_token: str | None = None

    def updates(self) -> dict[str, str]:
        return {name: value for name, value in vars(self).items() if value is not None}


@dataclass(frozen=True)
class Saved:
    path: Path
    saved: tuple[str, ...] = ()  # MHC_* names of the settings the file now sets
    in_keyring: tuple[str, ...] = ()  # token fields kept in the keyring (the file names them)
    overridden: tuple[str, ...] = ()  # MHC_* names set in the environment or `.env`: they still win
    notes: list[str] = field(default_factory=list)  # one line each, for the screen and the terminal

    @property
    def lines(self) -> list[str]:
        return [f"Saved to {self.path} (readable by you only).", *self.notes]


def save_setup(values: SetupValues, *, use_keyring: bool = False, path: Path | None = None) -> Saved:
    """Write `values`; tokens go to the keyring when `use_keyring` and one answers (else to the file).

    Raises OSError or ConfigError (the file cannot be written or is not TOML) and KeyringProblem
    (the keyring refused): nothing is written to the file then.
    """
    updates: dict[str, str | None] = dict(values.updates())
    if updates.get("events_base_url") == PRODUCTION_EVENTS_BASE:
        updates["events_base_url"] = None  # the default: the file need not say it
    notes: list[str] = []
    kept: list[str] = []
    tokens = [name for name in TOKEN_FIELDS if updates.get(name)]
    if tokens and use_keyring:
        state = keyring_state()
        if state.available:
            for name in tokens:
                value = updates[name]
                assert value is not None
                updates[name] = keep(name, value)
                kept.append(name)
            notes.append(f"Tokens kept in the system keyring ({state.name}); the file holds only references.")
        else:
            notes.append(f"No system keyring here ({state.name}): tokens are kept in the file.")
    written = write_settings(updates, path or config_file(), private=True)
    overridden = tuple(
        f"{ENV_PREFIX}{name.upper()}" for name in values.updates() if source_of(name) in ("environment", ".env")
    )
    for name in overridden:
        where = "the environment" if source_of(name.removeprefix(ENV_PREFIX).lower()) == "environment" else ".env"
        notes.append(f"{name} is set in {where}: that value is used, not the saved one.")
    names = tuple(f"{ENV_PREFIX}{name.upper()}" for name, value in updates.items() if value is not None)
    return Saved(written, names, tuple(kept), overridden, notes)
