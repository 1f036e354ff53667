"""One rule for what a setup field takes: read what was pasted into it, try it, and what it saves.

The setup screen and `mhc setup` both go through here, so a URL, a bare token and junk are treated
the same way in both.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from mhc_core.clients.errors import Source
from mhc_core.setup.events_url import parse_events_url, parse_statbate_token, parse_stats_token
from mhc_core.setup.save import SetupValues
from mhc_core.setup.token_checks import TokenCheck, check_events, check_statbate, check_stats

if TYPE_CHECKING:
    from mhc_core.config import Settings


@dataclass(frozen=True)
class Pasted:
    """A token as read from its field, with the broadcaster and server it belongs to."""

    api: Source
    token: str
    broadcaster: str
    events_base_url: str | None = None  # from an Events API URL; None for a bare token


def read_pasted(api: Source, text: str, settings: Settings, *, broadcaster: str | None = None) -> Pasted:
    """PastedValueError when `text` is not what the field takes. `broadcaster`: the one an Events API URL
    pasted beside it names (a Stats token belongs to that room)."""
    if api == "events":
        url = parse_events_url(text)
        return Pasted("events", url.token, url.broadcaster or settings.broadcaster, url.base_url)
    name = broadcaster or settings.broadcaster
    if api == "stats":
        return Pasted("stats", parse_stats_token(text), name)
    return Pasted("statbate", parse_statbate_token(text), name)


async def try_pasted(pasted: Pasted, settings: Settings) -> TokenCheck:
    """The one harmless call for this token (token_checks)."""
    if pasted.api == "events":
        return await check_events(pasted.events_base_url or settings.events_base_url, pasted.broadcaster,
                                  pasted.token)
    if pasted.api == "stats":
        return await check_stats(settings.stats_base_url, pasted.broadcaster, pasted.token)
    return await check_statbate(settings.statbate_base_url, pasted.broadcaster, pasted.token)


def values_of(accepted: list[Pasted]) -> SetupValues:
    """What saving these tokens writes: an Events API URL brings its broadcaster and server along."""
    by_api = {item.api: item for item in accepted}
    events, stats, statbate = by_api.get("events"), by_api.get("stats"), by_api.get("statbate")
    return SetupValues(
        broadcaster=events.broadcaster if events is not None and events.events_base_url is not None else None,
        events_base_url=events.events_base_url if events is not None else None,
        events_token=events.token if events is not None else None,
        stats_token=stats.token if stats is not None else None,
        statbate_token=statbate.token if statbate is not None else None,
    )


def kept(given: list[Pasted], checks: Mapping[Source, TokenCheck]) -> list[Pasted]:
    """What saving takes: every token given but a rejected one. An unreachable one is kept: the server
    may be down, not the token wrong."""
    return [pasted for pasted in given if checks[pasted.api].verdict != "rejected"]


def refusal(checks: Mapping[Source, TokenCheck]) -> str | None:
    """The line for the tokens not saved because they were rejected; None when none was."""
    rejected = [check.name for check in checks.values() if check.verdict == "rejected"]
    return f"Not saved: {', '.join(rejected)} rejected the token." if rejected else None
