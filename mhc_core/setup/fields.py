"""The three tokens setup asks for, in the order it asks: their settings, where each is found, and the
line for one that the environment sets. The setup screen and `mhc setup` both say these.

Light to import (`mhc --help` loads it through `mhc setup`'s parser): no httpx, no pydantic.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mhc_core.clients.errors import Source

APIS: tuple[Source, ...] = ("events", "stats", "statbate")
FIELD_OF: dict[Source, str] = {"events": "events_token", "stats": "stats_token", "statbate": "statbate_token"}
SETTING_OF: dict[Source, str] = {"events": "MHC_EVENTS_TOKEN", "stats": "MHC_STATS_TOKEN",
                                 "statbate": "MHC_STATBATE_TOKEN"}
# Where each token is found (one line each).
WHERE_TO_FIND: dict[Source, str] = {
    "events": "Chaturbate → Settings → Events API: copy the whole URL (it holds your username and token)",
    "stats": "Chaturbate → Settings → Stats API (Token Statistics): the 24-character token, or its whole URL",
    "statbate": "Statbate Plus → Account → API: the Premium API token (optional: looks people up)",
}
PASTE_HINT = "Paste what Chaturbate and Statbate give you; each is tried as soon as it is in."


def set_elsewhere(api: Source, source: str) -> str | None:
    """The line for a token set in the environment or `.env` (`source` as config.source_of says it):
    that value wins over the file, so setup cannot change it. None for a token setup can change."""
    where = {"environment": "the environment", ".env": "the .env file"}.get(source)
    return None if where is None else f"set in {where} ({SETTING_OF[api]}): change it there"
