"""Masking of secrets in any text that may reach a log, a screen or `--json` output."""

from __future__ import annotations

import logging
import threading

MASK = "****"

_lock = threading.Lock()
_secrets: set[str] = set()


def register_secret(secret: str | None) -> None:
    """Remember a secret so that `mask()` and the logging filter hide it everywhere."""
    if secret and len(secret) >= 4:
        with _lock:
            _secrets.add(secret)


def mask(text: str, *extra: str | None) -> str:
    """Replace every known secret (and any given extra ones) in `text` with `****`."""
    with _lock:
        secrets = set(_secrets)
    secrets.update(s for s in extra if s)
    for secret in sorted(secrets, key=len, reverse=True):
        if secret in text:
            text = text.replace(secret, MASK)
    return text


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
