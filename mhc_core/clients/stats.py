"""Chaturbate Stats API client (the broadcaster's own statistics, refreshed every 5 minutes upstream).

No internal retry: the poller simply polls again. The token is a query parameter, so no URL or httpx
exception text leaves this module unmasked.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import httpx
from pydantic import BaseModel, ConfigDict, ValidationError

from mhc_core.clients.errors import (
    AuthError,
    MalformedResponseError,
    RequestError,
    TransientError,
    describe_transport_error,
    parse_retry_after,
    protect_httpx_logger,
)
from mhc_core.redact import mask, register_secret

__all__ = ["StatsClient", "StatsPayload", "StatsReading", "normalize_stats", "STATS_KEYS"]

logger = logging.getLogger(__name__)

STATS_KEYS = (
    "token_balance",
    "tips_in_last_hour",
    "votes_up",
    "votes_down",
    "satisfaction_score",
    "num_followers",
    "num_viewers",
    "num_registered_viewers",
    "num_tokened_viewers",
    "time_online_minutes",
    "last_broadcast",
    "online",
)
_NUMERIC = (
    "token_balance",
    "tips_in_last_hour",
    "votes_up",
    "votes_down",
    "satisfaction_score",
    "num_followers",
    "num_viewers",
    "num_registered_viewers",
    "num_tokened_viewers",
)


class StatsPayload(BaseModel):
    """Shape check of a Stats API answer; every field optional, unknown fields kept."""

    model_config = ConfigDict(extra="allow")

    username: str | None = None
    token_balance: int | None = None
    tips_in_last_hour: int | None = None
    votes_up: int | None = None
    votes_down: int | None = None
    satisfaction_score: float | None = None
    last_broadcast: str | int | None = None
    time_online: int | None = None
    num_followers: int | None = None
    num_viewers: int | None = None
    num_registered_viewers: int | None = None
    num_tokened_viewers: int | None = None


@dataclass(frozen=True)
class StatsReading:
    raw: dict
    metrics: dict
    fetched_at: datetime


def _number(value: Any) -> int | float | None:
    """A count, or None for the -1 sentinel, missing, or non-numeric values."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            return None
    if not isinstance(value, (int, float)) or value != value:  # NaN
        return None
    if value == -1:
        return None
    return int(value) if float(value).is_integer() else value


def normalize_stats(raw: dict) -> dict:
    """Exactly STATS_KEYS; -1 and missing become None; `online` is False unless time_online >= 0."""
    raw = raw if isinstance(raw, dict) else {}
    out: dict[str, Any] = {key: _number(raw.get(key)) for key in _NUMERIC}
    minutes = _number(raw.get("time_online"))
    out["time_online_minutes"] = minutes
    out["online"] = minutes is not None and minutes >= 0
    last = raw.get("last_broadcast")
    out["last_broadcast"] = last.strip() if isinstance(last, str) and last.strip() not in ("", "-1") else None
    return {key: out[key] for key in STATS_KEYS}


class StatsClient:
    def __init__(
        self,
        base_url: str,
        username: str,
        token: str,
        *,
        timeout: float = 30.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._token = token
        register_secret(token)
        protect_httpx_logger()
        self.base_url = base_url.rstrip("/")
        self.username = username
        self._http = httpx.AsyncClient(
            transport=transport,
            follow_redirects=False,
            timeout=timeout,
            headers={"Accept": "application/json"},
        )

    def __repr__(self) -> str:
        return f"StatsClient(base_url={self.base_url!r}, username={self.username!r}, token='****')"

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> StatsClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def fetch(self) -> StatsReading:
        url = f"{self.base_url}/statsapi/?" + urlencode({"username": self.username, "token": self._token})
        failure: str | None = None
        try:
            response = await self._http.get(url)
        except httpx.HTTPError as exc:
            failure = describe_transport_error(exc, self._token)
        if failure is not None:
            # Raised outside the except block: no httpx exception (URL with token) is chained.
            logger.warning("stats: %s", failure)
            raise TransientError("stats", f"Chaturbate Stats API unreachable: {failure}")
        return self._interpret(response)

    def _interpret(self, response: httpx.Response) -> StatsReading:
        status = response.status_code
        if status in (401, 403):
            raise AuthError(
                "stats", f"Chaturbate Stats API rejected the token (HTTP {status})", status=status
            )
        if status == 429 or status >= 500:
            raise TransientError(
                "stats",
                f"Chaturbate Stats API unavailable (HTTP {status})",
                status=status,
                retry_after=parse_retry_after(response.headers.get("Retry-After")),
            )
        if 300 <= status < 400:
            raise TransientError(
                "stats", f"Chaturbate Stats API answered a redirect (HTTP {status})", status=status
            )
        if status == 404:
            raise RequestError(
                "stats", "Chaturbate Stats API not found (HTTP 404): check the base URL", status=status
            )
        if status >= 400:
            raise RequestError(
                "stats", f"Chaturbate Stats API refused the request (HTTP {status})", status=status
            )

        body: Any = None
        try:
            body = json.loads(response.content)
        except (ValueError, RecursionError):
            body = None
        if not isinstance(body, dict):
            raise MalformedResponseError(
                "stats", "Chaturbate Stats API answered something that is not a JSON object"
            )
        self._check_error_body(body)
        try:
            StatsPayload.model_validate(body)
        except ValidationError as exc:
            first = exc.errors(include_url=False)[0]
            where = ".".join(str(p) for p in first.get("loc", ()))
            raise MalformedResponseError(
                "stats", f"Chaturbate Stats API answer is malformed ({where}: {first.get('msg')})"
            ) from None
        return StatsReading(raw=body, metrics=normalize_stats(body), fetched_at=datetime.now(UTC))

    @staticmethod
    def _check_error_body(body: dict) -> None:
        """Tolerate a 200 carrying {"error"|"detail": ...} instead of stats (undocumented; cheap to catch).

        Only when none of the stats fields is present, so a real payload with an extra key still passes.
        """
        if any(key in body for key in ("token_balance", "time_online", "num_followers")):
            return
        detail = body.get("error", body.get("detail"))
        if detail is None:
            return
        text = mask(" ".join(str(detail).split()))[:200]
        if any(word in text.lower() for word in ("token", "auth", "permission", "credential", "denied")):
            raise AuthError("stats", f"Chaturbate Stats API rejected the token ({text})")
        raise MalformedResponseError("stats", f"Chaturbate Stats API answered an error: {text}")
