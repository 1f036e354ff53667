"""Masking of secrets in any text that may reach a log, a screen or `--json` output.

A token does not always appear as typed: in a URL it is percent-encoded (by `quote`, `quote_plus`,
`urlencode` or httpx, each with its own safe characters, in upper or lower case hex), and in JSON or
a repr its quotes and backslashes are escaped. So a secret is matched character by character, each
character in any of the forms it can take, and every mix of them is masked.
"""

from __future__ import annotations

import functools
import logging
import re
import threading

MASK = "****"
MIN_SECRET_LENGTH = 4

_lock = threading.Lock()
_secrets: set[str] = set()

# A space is `+` in a query string. Quotes, backslashes and slashes may be backslash-escaped by
# JSON or a repr, up to three times over (JSON inside JSON inside a log line); the bound keeps
# matching linear.
_BACKSLASH_ESCAPED = frozenset("\"'/\\")
_MAX_BACKSLASHES = 7


def _percent(byte: int) -> str:
    """`%2B` or `%2b`: a regex for one percent-encoded byte, hex digits in either case."""
    return "%" + "".join(f"[{d}{d.lower()}]" if d.isalpha() else d for d in f"{byte:02X}")


def _char_pattern(ch: str) -> str:
    forms = [re.escape(ch), "".join(_percent(b) for b in ch.encode("utf-8"))]
    if ch == " ":
        forms.append(r"\+")
    if ch in _BACKSLASH_ESCAPED:
        forms[0] = rf"\\{{0,{_MAX_BACKSLASHES}}}{re.escape(ch)}"
    return "(?:" + "|".join(forms) + ")"


@functools.lru_cache(maxsize=64)
def _matcher(secrets: tuple[str, ...]) -> re.Pattern[str] | None:
    """One regex for every form of every secret; longest secret first so it wins an overlap."""
    if not secrets:
        return None
    ordered = sorted(secrets, key=len, reverse=True)
    return re.compile("|".join("".join(_char_pattern(ch) for ch in secret) for secret in ordered))


def register_secret(secret: str | None) -> None:
    """Remember a secret so that `mask()` and the logging filter hide it, in every form, everywhere."""
    if secret and len(secret) >= MIN_SECRET_LENGTH:
        with _lock:
            _secrets.add(secret)


def mask(text: str, *extra: str | None) -> str:
    """Replace every known secret (and any given extra ones), in any encoded form, with `****`."""
    with _lock:
        secrets = set(_secrets)
    secrets.update(s for s in extra if s)
    matcher = _matcher(tuple(sorted(secrets)))
    return text if matcher is None else matcher.sub(MASK, text)


class RedactingFilter(logging.Filter):
    """Masks secrets in a record's final message (args included) before any handler sees it."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask(message)
        if masked != message:
            record.msg, record.args = masked, None
        if record.exc_info and record.exc_info[1] is not None:
            # Render the traceback now, masked, so the formatter doesn't re-render the raw one.
            formatted = logging.Formatter().formatException(record.exc_info)
            record.exc_text = mask(formatted)
            record.exc_info = None
        return True
