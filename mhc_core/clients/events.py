"""Chaturbate Events API long-poll client.

`EventsClient.batches()` follows ``nextUrl`` forever, yielding every answered poll (empty ones too, so
the caller sees liveness). Transient failures are retried on the same URL with capped, jittered
exponential backoff; 401/403 stop the stream with AuthError. The token lives in the URL path, so every
URL that reaches a log or an error goes through `mask()`.
"""

from __future__ import annotations

import asyncio
import collections
import json
import logging
import random
import re
import time
from collections.abc import AsyncGenerator, Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, Literal
from urllib.parse import parse_qs, quote, urljoin, urlsplit

import httpx

from mhc_core.clients.errors import (
    AuthError,
    RequestError,
    describe_transport_error,
    parse_retry_after,
    protect_httpx_logger,
)
from mhc_core.clients.event_models import BaseEvent, ReceivedEvent, parse_event
from mhc_core.redact import mask, register_secret

__all__ = ["EventBatch", "EventsClient", "EventsStatus", "ReceivedEvent", "BaseEvent", "SlidingWindowLimiter"]

logger = logging.getLogger(__name__)

State = Literal["connecting", "connected", "retrying", "auth_failed", "stopped"]
TRANSIENT_STATUSES = {429, 500, 502, 503, 504, 520, 521, 522, 523, 524}
_DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass(frozen=True)
class EventBatch:
    events: list[ReceivedEvent]
    cursor: str | None
    received_at: datetime


@dataclass(frozen=True)
class EventsStatus:
    state: State
    attempt: int
    retry_in: float | None
    last_error: str | None
    since: datetime


class SlidingWindowLimiter:
    """At most `limit` acquisitions in any rolling `window` seconds; `acquire()` sleeps when needed."""

    def __init__(self, limit: int, window: float = 60.0, clock: Callable[[], float] = time.monotonic) -> None:
        if limit < 1:
            raise ValueError("limit must be at least 1")
        self.limit = limit
        self.window = window
        self._clock = clock
        self._stamps: collections.deque[float] = collections.deque()

    async def acquire(self) -> None:
        while True:
            now = self._clock()
            while self._stamps and now - self._stamps[0] >= self.window:
                self._stamps.popleft()
            if len(self._stamps) < self.limit:
                self._stamps.append(now)
                return
            wait = self._stamps[0] + self.window - now
            logger.debug("events: rate limit reached, waiting %.2f s", wait)
            await asyncio.sleep(max(wait, 0.001))


@dataclass(frozen=True)
class _Ok:
    events: list[Any]
    next_url: str
    texts: list[str] | None = None  # each event's JSON text as it stood in the body


_DECODER = json.JSONDecoder()
_SPACE = re.compile(r"[ \t\n\r]*")


def _ws(text: str, at: int) -> int:
    """The index of the first non-whitespace character at or after `at`."""
    match = _SPACE.match(text, at)
    return match.end() if match else at


def _skip(text: str, at: int, expected: str) -> tuple[int, str]:
    """Past the whitespace at `at`, one of the characters in `expected`: (index after it, the character)."""
    at = _ws(text, at)
    found = text[at:at + 1]
    if not found or found not in expected:
        raise json.JSONDecodeError(f"expected one of {expected!r}", text, at)
    return at + 1, found


def _decode_array(text: str, at: int) -> tuple[list[Any], list[str], int]:
    """The array whose '[' is at `at`: its values, each value's exact text, and the index after ']'."""
    values: list[Any] = []
    texts: list[str] = []
    at = _ws(text, at + 1)
    if text.startswith("]", at):
        return values, texts, at + 1
    while True:
        value, end = _DECODER.raw_decode(text, at)
        values.append(value)
        texts.append(text[at:end])
        at, found = _skip(text, end, ",]")
        if found == "]":
            return values, texts, at
        at = _ws(text, at)


def decode_body(text: str) -> tuple[Any, list[str] | None]:
    """json.loads(text), and the exact JSON text of each element of a top-level object's "events" array.

    The journal keeps each event as it was received, so its text is cut from the body rather than
    re-serialised (which would change escapes, number forms and repeated keys). Raises ValueError as
    json.loads does; the texts are None when the body has no "events" array.
    """
    at = _ws(text, 0)
    if not text.startswith("{", at):
        return json.loads(text), None
    body: dict[str, Any] = {}
    texts: list[str] | None = None
    at = _ws(text, at + 1)
    if text.startswith("}", at):
        at += 1
    else:
        while True:
            if not text.startswith('"', at):
                raise json.JSONDecodeError("expected a key", text, at)
            key, at = _DECODER.raw_decode(text, at)
            at = _ws(text, _skip(text, at, ":")[0])
            if key == "events" and text.startswith("[", at):
                body[key], texts, at = _decode_array(text, at)
            else:
                body[key], at = _DECODER.raw_decode(text, at)
                if key == "events":
                    texts = None  # a later "events" wins, as in json.loads
            at, found = _skip(text, at, ",}")
            if found == "}":
                break
            at = _ws(text, at)
    if _ws(text, at) != len(text):
        raise json.JSONDecodeError("Extra data", text, at)
    return body, texts


def _body_text(content: bytes) -> str:
    """The body as text, decoded as json.loads would; bytes that are not UTF-8 are kept as lone surrogates
    (surrogateescape), so one broken byte cannot stall the feed: the journal marks and escapes them."""
    encoding = json.detect_encoding(content)
    try:
        return content.decode(encoding, "surrogatepass")
    except UnicodeDecodeError:
        logger.warning("events: the answer is not valid %s; undecodable bytes kept as escapes", encoding)
        return content.decode(encoding, "surrogateescape")


@dataclass(frozen=True)
class _Retry:
    error: str
    retry_after: float | None = None
    refused: int | None = None  # a 4xx other than 401/403/429: the URL itself is wrong


def _origin(url: str) -> tuple[str, str, int | None] | None:
    """(scheme, host, port) with the default port filled in; None if the URL is unparseable."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    return scheme, (parts.hostname or "").lower(), port if port is not None else _DEFAULT_PORTS.get(scheme)


def _query_value(url: str, key: str) -> str | None:
    try:
        values = parse_qs(urlsplit(url).query).get(key)
    except ValueError:
        return None
    return values[-1] if values else None


class EventsClient:
    """Long-poll client for ``{base}/events/{broadcaster}/{token}/``."""

    def __init__(
        self,
        base_url: str,
        broadcaster: str,
        token: str,
        timeout: int = 30,
        *,
        max_requests_per_minute: int = 2000,
        backoff_base: float = 1.0,
        backoff_cap: float = 60.0,
        transport: httpx.AsyncBaseTransport | None = None,
        on_status: Callable[[EventsStatus], None] | None = None,
    ) -> None:
        self._token = token
        register_secret(token)
        register_secret(quote(token, safe=""))
        protect_httpx_logger()
        self.base_url = base_url.rstrip("/")
        self.broadcaster = broadcaster
        self.timeout = max(0, min(int(timeout), 90))
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self._origin = _origin(self.base_url)
        self._limiter = SlidingWindowLimiter(max_requests_per_minute)
        self._on_status = on_status
        self._status = EventsStatus("stopped", 0, None, None, datetime.now(UTC))
        # No redirects: a 3xx could send the token-bearing path to another host.
        self._http = httpx.AsyncClient(
            transport=transport,
            follow_redirects=False,
            timeout=self.timeout_for(self.timeout),
            headers={"Accept": "application/json"},
        )

    # -- public -----------------------------------------------------------------

    @property
    def status(self) -> EventsStatus:
        return self._status

    async def aclose(self) -> None:
        await self._http.aclose()
        if self._status.state != "auth_failed":
            self._set_status("stopped")

    async def __aenter__(self) -> EventsClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    def __repr__(self) -> str:
        return mask(
            f"EventsClient(base_url={self.base_url!r}, broadcaster={self.broadcaster!r}, token='****', "
            f"timeout={self.timeout}, state={self._status.state!r})",
            self._token,
        )

    def first_url(self, cursor: str | None = None) -> str:
        """The URL a poll starts from (contains the token: mask before showing)."""
        url = f"{self.base_url}/events/{quote(self.broadcaster, safe='')}/{quote(self._token, safe='')}/"
        url += f"?timeout={self.timeout}"
        if cursor:
            url += f"&i={quote(cursor, safe='')}"
        return url

    async def probe(self) -> str | None:
        """One poll of the first URL, held for `timeout` seconds (0: answer at once), nothing stored.

        None when the API answered as it should; otherwise the one-line reason it did not (the network,
        a server error, an answer of the wrong shape). Raises AuthError on 401/403, as `batches` does,
        and RequestError on another 4xx (a wrong username or path: retrying would not help).
        """
        outcome = await self._poll(self.first_url())
        if not isinstance(outcome, _Retry):
            return None
        if outcome.refused is not None:
            raise RequestError("events", f"the Events API refused this URL (HTTP {outcome.refused})",
                               status=outcome.refused)
        return self._safe(outcome.error)

    async def batches(self, cursor: str | None = None) -> AsyncGenerator[EventBatch, None]:
        """Yield one EventBatch per answered poll, forever; raises AuthError on 401/403."""
        url = self.first_url(cursor)
        attempt = 0
        self._set_status("connecting")
        try:
            while True:
                await self._limiter.acquire()
                try:
                    outcome = await self._poll(url)
                except AuthError as exc:
                    logger.error("events: %s; polling stopped", exc.message)
                    raise
                if isinstance(outcome, _Retry):
                    if outcome.refused is not None:
                        logger.error("events: HTTP %d from the Events API (is the URL right? %s); retrying",
                                     outcome.refused, self._safe(self.first_url()))
                    attempt += 1
                    delay = self._backoff(attempt, outcome.retry_after)
                    self._set_status("retrying", attempt=attempt, retry_in=delay, last_error=outcome.error)
                    logger.warning(
                        "events: %s; retrying in %.1f s (attempt %d)",
                        self._safe(outcome.error),
                        delay,
                        attempt,
                    )
                    await asyncio.sleep(delay)
                    continue
                if attempt:
                    logger.info("events: reconnected after %d failed attempt(s)", attempt)
                attempt = 0
                self._set_status("connected")
                texts: list[str | None] = [*outcome.texts] if outcome.texts else [None] * len(outcome.events)
                events = [parse_event(item, text) for item, text in zip(outcome.events, texts, strict=True)]
                for event in events:
                    if event.error:
                        logger.info("events: kept raw event %s: %s", event.id, self._safe(event.error))
                cursor = self._cursor_after(outcome.next_url, events, cursor)
                url = self._follow(outcome.next_url, cursor)
                yield EventBatch(events=events, cursor=cursor, received_at=datetime.now(UTC))
        finally:
            if self._status.state != "auth_failed":
                self._set_status("stopped")

    # -- internals -----------------------------------------------------------------

    def _safe(self, text: str) -> str:
        return mask(text, self._token, quote(self._token, safe=""))

    @staticmethod
    def timeout_for(hold: int) -> httpx.Timeout:
        # The server may hold the request `hold` seconds; give it 5 more before calling it dead.
        return httpx.Timeout(connect=10.0, read=hold + 5.0, write=10.0, pool=10.0)

    def _backoff(self, attempt: int, retry_after: float | None) -> float:
        ceiling = min(self.backoff_cap, self.backoff_base * (2 ** min(attempt - 1, 30)))
        # "Equal jitter": never shorter than half the step, so retries cannot bunch up near zero.
        delay = ceiling / 2 + random.uniform(0, ceiling / 2)
        if retry_after is not None:
            delay = max(delay, retry_after)
        return min(delay, self.backoff_cap)

    def _set_status(
        self,
        state: State,
        *,
        attempt: int = 0,
        retry_in: float | None = None,
        last_error: str | None = None,
    ) -> None:
        old = self._status
        since = old.since if old.state == state else datetime.now(UTC)
        new = replace(
            old,
            state=state,
            attempt=attempt,
            retry_in=retry_in,
            last_error=self._safe(last_error) if last_error else None,
            since=since,
        )
        if new == old:
            return
        self._status = new
        if self._on_status is not None:
            self._on_status(new)

    async def _poll(self, url: str) -> _Ok | _Retry:
        hold = self.timeout
        raw_hold = _query_value(url, "timeout")
        if raw_hold is not None and raw_hold.isdigit():
            hold = min(int(raw_hold), 90)
        failure: str | None = None
        try:
            response = await self._http.get(url, timeout=self.timeout_for(hold))
        except httpx.HTTPError as exc:
            # Described outside the handler so no httpx exception (URL with token) gets chained.
            failure = describe_transport_error(exc, self._token)
        if failure is not None:
            return _Retry(failure)
        return self._interpret(response)

    def _interpret(self, response: httpx.Response) -> _Ok | _Retry:
        status = response.status_code
        if status in (401, 403):
            message = f"Chaturbate Events API rejected the token (HTTP {status})"
            self._set_status("auth_failed", last_error=message)
            raise AuthError("events", message, status=status)

        body: Any = None
        texts: list[str] | None = None
        try:
            body, texts = decode_body(_body_text(response.content))
        except (ValueError, RecursionError):
            body = None

        if status == 400 and isinstance(body, dict):
            text = body.get("status")
            next_url = body.get("nextUrl")
            if isinstance(text, str) and "waited too long" in text.lower() and isinstance(next_url, str):
                # Observed (uncertain) hold-expired answer: an empty batch, not an error.
                logger.debug("events: HTTP 400 'waited too long' taken as an empty batch")
                events = body.get("events")
                return _Ok(events, next_url, texts) if isinstance(events, list) else _Ok([], next_url)

        if 300 <= status < 400:
            logger.error("events: unexpected redirect (HTTP %d) not followed", status)
            return _Retry(f"unexpected redirect (HTTP {status})")
        if status == 429:
            return _Retry("rate limited (HTTP 429)", parse_retry_after(response.headers.get("Retry-After")))
        if status in TRANSIENT_STATUSES or status >= 500:
            return _Retry(
                f"server error (HTTP {status})", parse_retry_after(response.headers.get("Retry-After"))
            )
        if 400 <= status < 500:
            return _Retry(f"unexpected HTTP {status}", refused=status)
        if not 200 <= status < 300:
            return _Retry(f"unexpected HTTP {status}")

        if body is None:
            return _Retry("answer was not JSON")
        if not isinstance(body, dict):
            return _Retry("answer was not a JSON object")
        events, next_url = body.get("events"), body.get("nextUrl")
        if not isinstance(events, list) or not isinstance(next_url, str) or not next_url:
            return _Retry("answer lacked 'events' or 'nextUrl'")
        return _Ok(events, next_url, texts)

    @staticmethod
    def _cursor_after(next_url: str, events: list[ReceivedEvent], previous: str | None) -> str | None:
        cursor = _query_value(next_url, "i")
        if cursor:
            return cursor
        for event in reversed(events):
            if event.id and not event.id.startswith("sha256:"):
                return event.id
        return previous

    def _follow(self, next_url: str, cursor: str | None) -> str:
        absolute = urljoin(self.base_url + "/", next_url)
        origin = _origin(absolute)
        if origin is not None and origin == self._origin:
            return absolute
        shown = "unparseable URL" if origin is None else f"{origin[0]}://{origin[1]}:{origin[2]}"
        logger.warning("security: refused nextUrl to foreign host %s", self._safe(shown))
        return self.first_url(cursor)
