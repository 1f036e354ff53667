"""The username rule: what a Chaturbate username is, and how a typed, pasted or received name becomes one.

Used wherever a name enters: the configured broadcaster, a name typed for a lookup, a name in a paste,
a name in an Events API event, and every person created or found.
"""

from __future__ import annotations

import re

# 1 to 64, deliberately wider than the names Chaturbate gives out (about 3 to 25 in practice): a name the
# Events API sends must never be refused (its event would be journaled without a person), while an empty
# string or any other character is never a name.
MIN_LENGTH = 1
MAX_LENGTH = 64

#: One name, lowercased; use with ``fullmatch``.
USERNAME_RE = re.compile(rf"[a-z0-9_]{{{MIN_LENGTH},{MAX_LENGTH}}}", re.ASCII)
#: One name in any case, for patterns that find names inside text; not followed by a name character.
NAME_PATTERN = rf"[A-Za-z0-9_]{{{MIN_LENGTH},{MAX_LENGTH}}}(?![A-Za-z0-9_])"
_ANY_CASE_RE = re.compile(rf"[A-Za-z0-9_]{{{MIN_LENGTH},{MAX_LENGTH}}}", re.ASCII)


class InvalidUsername(ValueError):
    def __init__(self, raw: str) -> None:
        super().__init__(f"not a valid username: {raw!r} (letters, digits and underscores only)")


def is_username(name: str) -> bool:
    """True when `name`, as it is (already lowercased), is a username."""
    return USERNAME_RE.fullmatch(name) is not None


def normalize_username(raw: str | None) -> str | None:
    """`raw` without surrounding whitespace and one leading ``@``, lowercased; None when it is not a name.

    The characters are checked before lowercasing, so a non-ASCII letter that lowercases to ASCII (the
    Kelvin sign to "k") is refused rather than turned into somebody else's name.
    """
    if raw is None:
        return None
    candidate = raw.strip().removeprefix("@").strip()
    if _ANY_CASE_RE.fullmatch(candidate) is None:
        return None
    return candidate.lower()


def require_username(raw: str) -> str:
    """normalize_username for a name that must be one: raises InvalidUsername (naming `raw`) otherwise."""
    name = normalize_username(raw)
    if name is None:
        raise InvalidUsername(raw)
    return name
