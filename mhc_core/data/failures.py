"""How a failure of a door call reads to the operator: one plain line, and whether the database failed.

A refusal (an invalid name, no LIVE session, an empty note) says what is wrong; the database being
unreachable or failing is told apart, so a caller can show it as the database's state.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from sqlalchemy.exc import DBAPIError

from mhc_core.data.errors import EmptyNote, InvalidUsername, SessionError
from mhc_core.db import DatabaseUnavailable
from mhc_core.formats import error_reason


@dataclass(frozen=True)
class Failure:
    message: str
    severity: Literal["warning", "error"]  # warning: the operator can act on it; error: something broke
    database: bool  # the database is unreachable or failed the call


def describe(error: BaseException) -> Failure:
    if isinstance(error, SessionError | EmptyNote | InvalidUsername):
        return Failure(str(error), "warning", database=False)
    if isinstance(error, DatabaseUnavailable):
        return Failure(str(error), "error", database=True)
    if isinstance(error, DBAPIError):
        first = error_reason(error)
        return Failure(f"database error: {first}", "error", database=True)
    if isinstance(error, LookupError | ValueError) and not isinstance(error, KeyError | IndexError):
        # The services' own refusals (unknown watchlist, invalid attribute, a row gone, ...) say what is wrong.
        return Failure(str(error), "warning", database=False)
    return Failure(f"unexpected error: {type(error).__name__}: {error}", "error", database=False)
