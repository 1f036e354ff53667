"""Trying a token with one harmless call, answered in plain words: accepted, rejected or unreachable.

- Events API: one long-poll of the first URL with `timeout=0` (answered at once; nothing is stored).
- Stats API: one read of the broadcaster's statistics.
- Statbate: one member lookup of the broadcaster (a name Statbate does not know is still a yes: the
  token was let in).

The same checks serve the setup screen, `mhc setup` and `mhc config check`. Each check makes exactly
one request: no retries (a check must answer in seconds) and nothing that could change any state.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import httpx

from mhc_core.clients.errors import SOURCE_NAMES, AuthError, ClientError, RequestError, Source, TransientError
from mhc_core.redact import mask
from mhc_core.setup.fields import APIS, FIELD_OF, SETTING_OF

if TYPE_CHECKING:
    from mhc_core.config import Settings

Verdict = Literal["accepted", "rejected", "unreachable", "not_configured"]
CHECK_TIMEOUT = 10.0  # seconds a check may take before it says "unreachable"

@dataclass(frozen=True)
class TokenCheck:
    """One token's verdict. `message` is one plain, masked line."""

    api: Source
    verdict: Verdict
    message: str

    @property
    def name(self) -> str:
        return SOURCE_NAMES[self.api]

    @property
    def line(self) -> str:
        return f"{self.name}: {self.message}"

    def as_json(self) -> dict[str, str]:
        return {"verdict": self.verdict, "message": self.message}


def _from_error(api: Source, error: ClientError) -> TokenCheck:
    if isinstance(error, AuthError):
        return TokenCheck(api, "rejected", f"rejected (HTTP {error.status}): the token is wrong, revoked or not "
                          "allowed this")
    if isinstance(error, RequestError):
        return TokenCheck(api, "rejected", f"rejected: {error.message}")
    reason = error.message.removeprefix(f"{SOURCE_NAMES[api]} ").removeprefix("unreachable: ")
    if isinstance(error, TransientError):
        return TokenCheck(api, "unreachable", f"unreachable: {reason}")
    return TokenCheck(api, "unreachable", f"no usable answer: {reason}")


def not_configured(api: Source) -> TokenCheck:
    return TokenCheck(api, "not_configured", f"not configured (set {SETTING_OF[api]} or run mhc setup)")


async def check_events(base_url: str, broadcaster: str, token: str, *,
                       transport: httpx.AsyncBaseTransport | None = None) -> TokenCheck:
    from mhc_core.clients.events import EventsClient

    client = EventsClient(base_url, broadcaster, token, timeout=0, transport=transport)
    try:
        failure = await asyncio.wait_for(client.probe(), CHECK_TIMEOUT)
    except ClientError as exc:
        return _from_error("events", exc)
    except TimeoutError:
        return TokenCheck("events", "unreachable", f"unreachable: no answer in {CHECK_TIMEOUT:.0f} s")
    finally:
        await client.aclose()
    if failure is not None:
        return TokenCheck("events", "unreachable", mask(f"unreachable: {failure}", token))
    return TokenCheck("events", "accepted", f"accepted: the room of {broadcaster} answers")


async def check_stats(base_url: str, broadcaster: str, token: str, *,
                      transport: httpx.AsyncBaseTransport | None = None) -> TokenCheck:
    from mhc_core.clients.stats import StatsClient

    try:
        async with StatsClient(base_url, broadcaster, token, timeout=CHECK_TIMEOUT, transport=transport) as client:
            reading = await client.fetch()
    except ClientError as exc:
        return _from_error("stats", exc)
    followers = reading.metrics.get("num_followers")
    said = f", {followers} followers" if isinstance(followers, int) else ""
    return TokenCheck("stats", "accepted", f"accepted: statistics of {broadcaster} read{said}")


async def check_statbate(base_url: str, broadcaster: str, token: str, *,
                         transport: httpx.AsyncBaseTransport | None = None) -> TokenCheck:
    from mhc_core.clients.statbate import StatbateClient

    try:
        async with StatbateClient(base_url, token, retries=0, timeout=CHECK_TIMEOUT, transport=transport) as client:
            found = await client.member_info(broadcaster)
    except ClientError as exc:
        return _from_error("statbate", exc)
    if found is None:
        return TokenCheck("statbate", "accepted", f"accepted (Statbate has no member named {broadcaster})")
    return TokenCheck("statbate", "accepted", f"accepted: looked up {broadcaster}")


async def check_settings(settings: Settings, *, transport: httpx.AsyncBaseTransport | None = None) -> list[TokenCheck]:
    """Every token of `settings` tried at once, in the order events, stats, statbate."""

    async def one(api: Source) -> TokenCheck:
        token = getattr(settings, FIELD_OF[api])
        if token is None:
            return not_configured(api)
        value = token.get_secret_value()
        if api == "events":
            return await check_events(settings.events_base_url, settings.broadcaster, value, transport=transport)
        if api == "stats":
            return await check_stats(settings.stats_base_url, settings.broadcaster, value, transport=transport)
        return await check_statbate(settings.statbate_base_url, settings.broadcaster, value, transport=transport)

    return list(await asyncio.gather(*(one(api) for api in APIS)))


def run_checks(settings: Settings) -> list[TokenCheck]:
    """`check_settings` for a caller with no event loop (a CLI command, a worker thread)."""
    return asyncio.run(check_settings(settings))
