"""How values read to a person, the same in `mhc`, `mhc listen` and the console: the reason of an error,
a session's length, an age, a token amount, and a time in the display zone (MHC_TIMEZONE).

Plain text only (no UI here); the console adds its styles and its rule for outside text on top.
"""

from __future__ import annotations

from datetime import datetime, tzinfo

from mhc_core.redact import mask

# A reason is one line of a message: a database's can quote a whole statement or value; this much says why.
REASON_LIMIT = 300
MISSING = "—"


# -- errors ------------------------------------------------------------------------------------------


def error_reason(exc: BaseException, *, limit: int = REASON_LIMIT) -> str:
    """What went wrong, in one line: the driver's own error when SQLAlchemy wraps one, its first line that
    is not blank (the rest is detail: DETAIL, HINT, the statement, a caret), or the error's type when it
    says nothing. Masked, so a token in a URL or a message never goes further."""
    original = getattr(exc, "orig", None) or exc
    for line in str(original).splitlines():
        if line.strip():
            return mask(line.strip()[:limit])
    return type(original).__name__


def connection_reason(exc: BaseException) -> str:
    """error_reason for a failed connection, without where it was going (the caller says where).

    psycopg: 'connection failed: connection to server at "h", port 5432 failed: Connection refused'
    gives 'Connection refused'."""
    return error_reason(exc).rsplit("failed: ", 1)[-1]


# -- durations and ages --------------------------------------------------------------------------------


def duration(seconds: float) -> str:
    """How long a session lasted (or has lasted): '1h05m', or '5m' under an hour."""
    hours, rest = divmod(max(0, int(seconds)), 3600)
    return f"{hours}h{rest // 60:02d}m" if hours else f"{rest // 60}m"


def clock(seconds: float) -> str:
    """A running time that moves each second, as on a stopwatch: '1:05:09'."""
    hours, rest = divmod(max(0, int(seconds)), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}"


def ago(then: datetime | None, now: datetime) -> str:
    """How long before `now`, in its largest whole unit: '30 s ago', '5 min ago', '2 h ago', '3 d ago'.

    A time slightly ahead of `now` (another machine's clock) reads '0 s ago'; no time at all, 'never'."""
    if then is None:
        return "never"
    seconds = max(0, int((now - then).total_seconds()))
    for size, unit in ((86400, "d"), (3600, "h"), (60, "min")):
        if seconds >= size:
            return f"{seconds // size} {unit} ago"
    return f"{seconds} s ago"


# -- amounts -------------------------------------------------------------------------------------------


def tokens(amount: int) -> str:
    """A token amount with its thousands grouped: '1,234'."""
    return f"{amount:,}"


def token_count(amount: int) -> str:
    """A token amount in a sentence: '1 token', '1,234 tokens'."""
    return f"{amount:,} token{'' if amount == 1 else 's'}"


def tk(amount: int) -> str:
    """A token amount in a line with little room: '1,234 tk'."""
    return f"{amount:,} tk"


# -- times in the display zone (None: the system's) ------------------------------------------------------


def when(value: datetime | str | None, tz: tzinfo | None, *, seconds: bool = False, missing: str = MISSING) -> str:
    """A date and time: '2026-11-24 20:00' (with `seconds`, '2026-11-24 20:00:05'); `missing` for none.

    A string is read as ISO 8601 (as in --json output)."""
    if value is None:
        return missing
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")


def time_of_day(value: datetime, tz: tzinfo | None, *, seconds: bool = False) -> str:
    """'20:00' (with `seconds`, '20:00:05'): for lines of today's feed, room and stats."""
    return value.astimezone(tz).strftime("%H:%M:%S" if seconds else "%H:%M")


def day_and_time(value: datetime, tz: tzinfo | None) -> str:
    """'Tue 24 Nov 20:00': for a list of recent sessions."""
    return value.astimezone(tz).strftime("%a %d %b %H:%M")
