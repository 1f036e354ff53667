"""Errors raised by the API clients.

Every message is one line a user can read, already masked. No httpx exception is ever chained
(``__cause__``/``__context__``): httpx messages carry the request URL, which holds the Events and
Stats tokens.
"""

from __future__ import annotations

import logging
import socket
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Literal

import httpx

from mhc_core.redact import RedactingFilter, mask

Source = Literal["events", "stats", "statbate"]

SOURCE_NAMES: dict[str, str] = {
    "events": "Chaturbate Events API",
    "stats": "Chaturbate Stats API",
    "statbate": "Statbate",
}


class ClientError(Exception):
    """Base of all client errors: `source` names the API, `message` is a masked one-liner."""

    def __init__(self, source: Source, message: str, *, status: int | None = None) -> None:
        message = mask(" ".join(str(message).split()))
        super().__init__(message)
        self.source: Source = source
        self.message = message
        self.status = status

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(source={self.source!r}, message={self.message!r}, status={self.status!r})"
        )


class AuthError(ClientError):
    """401/403: the token was rejected. Retrying will not help."""


class TransientError(ClientError):
    """5xx, 429, network failure or timeout: worth trying again later."""

    def __init__(
        self, source: Source, message: str, *, status: int | None = None, retry_after: float | None = None
    ) -> None:
        super().__init__(source, message, status=status)
        self.retry_after = retry_after


class RequestError(ClientError):
    """400/422-type answer: the request itself was malformed."""


class MalformedResponseError(ClientError):
    """The body was not JSON, or did not have the documented shape."""


def _root_causes(exc: BaseException) -> list[BaseException]:
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and len(chain) < 10:
        chain.append(current)
        current = current.__cause__ or current.__context__
    return chain


def describe_transport_error(exc: BaseException, *secrets: str | None) -> str:
    """A short, masked description of a network-level failure (no URL)."""
    chain = _root_causes(exc)
    if isinstance(exc, httpx.ConnectTimeout):
        return "connection timed out"
    if isinstance(exc, httpx.TimeoutException):
        return "no answer in time (read timeout)"
    if isinstance(exc, httpx.ConnectError):
        # httpx says only "All connection attempts failed"; the OS error underneath says why.
        if any(isinstance(c, ConnectionRefusedError) for c in chain):
            return "connection refused"
        if any(isinstance(c, socket.gaierror) for c in chain):
            return "host name not found"
        text = mask(str(chain[-1]), *secrets)
        return f"cannot connect ({text or type(exc).__name__})"
    if isinstance(exc, httpx.RemoteProtocolError):
        return "connection dropped by the server"
    if isinstance(exc, (httpx.ReadError, httpx.WriteError)):
        return "connection dropped"
    text = mask(str(exc), *secrets)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or HTTP date); None if absent/unreadable."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def protect_httpx_logger() -> None:
    """httpx logs every request URL at INFO; mask secrets there even without the app's log setup."""
    logger = logging.getLogger("httpx")
    if not any(isinstance(f, RedactingFilter) for f in logger.filters):
        logger.addFilter(RedactingFilter())
