"""What the broadcaster pastes: the Events API URL from his settings page (or the bare token), and the
Stats API URL or token.

Chaturbate gives one thing to copy, `https://eventsapi.chaturbate.com/events/<username>/<token>/`
(the testbed's is `https://events.testbed.cb.dev/events/<username>/<token>/`). It carries the
broadcaster, the token and which server to ask, so one paste fills all three. A copied URL often
comes with a trailing slash missing, a `?timeout=` or `?i=` query, or spaces around it: those are
tolerated. Anything else gets one line saying what was expected; a token is never echoed back.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qs, unquote, urlsplit

from mhc_core.username import normalize_username

PRODUCTION_EVENTS_BASE = "https://eventsapi.chaturbate.com"
TESTBED_EVENTS_BASE = "https://events.testbed.cb.dev"
EXPECTED = "expected https://eventsapi.chaturbate.com/events/USERNAME/TOKEN/ or the token alone"
STATS_EXPECTED = "expected the token, or https://chaturbate.com/statsapi/?username=USERNAME&token=TOKEN"
# Tokens travel in a URL path, a query string and a header: letters, digits and a few marks.
_TOKEN = re.compile(r"[A-Za-z0-9._~-]{8,200}")


class PastedValueError(ValueError):
    """What was pasted is not what the field takes. The message is one line and holds no token."""


@dataclass(frozen=True)
class EventsUrl:
    """The parts of an Events API URL. `broadcaster` and `base_url` are None for a bare token."""

    token: str
    broadcaster: str | None = None
    base_url: str | None = None

    @property
    def testbed(self) -> bool:
        return self.base_url == TESTBED_EVENTS_BASE


def _bare_token(text: str, refusal: str) -> str:
    if not _TOKEN.fullmatch(text):
        raise PastedValueError(refusal)
    return text


def parse_events_url(pasted: str) -> EventsUrl:
    """The broadcaster, token and server of a pasted Events API URL, or a bare token alone."""
    text = pasted.strip()
    if not text:
        raise PastedValueError("empty: paste the Events API URL from your Chaturbate settings")
    if "://" not in text and "/" not in text:
        return EventsUrl(token=_bare_token(text, f"not an Events API URL or token: {EXPECTED}"))
    try:
        parts = urlsplit(text if "://" in text else f"https://{text}")
        port = parts.port
    except ValueError:
        raise PastedValueError(f"not an Events API URL: {EXPECTED}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise PastedValueError(f"not an Events API URL: {EXPECTED}")
    segments = [unquote(segment) for segment in parts.path.split("/") if segment]
    if len(segments) < 3 or segments[-3] != "events":
        raise PastedValueError(f"not an Events API URL (no /events/USERNAME/TOKEN/ in it): {EXPECTED}")
    prefix, name, token = segments[:-3], segments[-2], segments[-1]
    broadcaster = normalize_username(name)
    if broadcaster is None:
        raise PastedValueError("the username in the Events API URL is not a Chaturbate username")
    if not _TOKEN.fullmatch(token):
        raise PastedValueError("the token in the Events API URL has characters a token does not have")
    host = parts.hostname if port is None else f"{parts.hostname}:{port}"
    base = f"{parts.scheme}://{host}" + "".join(f"/{segment}" for segment in prefix)
    if parts.hostname in ("eventsapi.chaturbate.com", "events.testbed.cb.dev") and not prefix:
        base = f"https://{parts.hostname}"  # Chaturbate's own servers only answer https
    return EventsUrl(token=token, broadcaster=broadcaster, base_url=base)


def parse_stats_token(pasted: str) -> str:
    """The token of a pasted Stats API URL (`https://chaturbate.com/statsapi/?username=…&token=…`), or a
    bare token."""
    text = pasted.strip()
    if not text:
        raise PastedValueError("empty: paste the Stats API token")
    if "?" not in text and "/" not in text:
        return _bare_token(text, f"not a Stats API token: {STATS_EXPECTED}")
    try:
        query = parse_qs(urlsplit(text).query)
    except ValueError:
        raise PastedValueError(f"not a Stats API URL: {STATS_EXPECTED}") from None
    tokens = query.get("token") or []
    if not tokens or not _TOKEN.fullmatch(tokens[-1].strip()):
        raise PastedValueError(f"not a Stats API URL: {STATS_EXPECTED}")
    return tokens[-1].strip()


def parse_statbate_token(pasted: str) -> str:
    """A Statbate API token as pasted (a `Bearer ` in front is taken off)."""
    text = pasted.strip()
    if text.lower().startswith("bearer ") or text.lower() == "bearer":  # "Bearer " alone is stripped to "Bearer"
        text = text[6:].strip()
    if not text:
        raise PastedValueError("empty: paste the Statbate API token")
    if not text.isascii() or not text.isprintable() or " " in text:
        raise PastedValueError("not a Statbate token: it has spaces or characters a token does not have")
    return text
