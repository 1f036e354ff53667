"""A first run: no token from anywhere and no settings file yet. Setup then opens by itself.

A console with no tokens beside a settings file is a choice (a second console on a database that a
server captures into), so it is left alone; `,` and `mhc setup` still open setup there.
"""

from __future__ import annotations

from mhc_core.config import Settings, config_file


def is_first_run(settings: Settings) -> bool:
    nothing = settings.events_token is None and settings.stats_token is None and settings.statbate_token is None
    return nothing and not config_file().exists()
