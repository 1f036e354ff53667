"""The refusals a caller of the data door can meet, importable from one place.

Each says in its message what is wrong; the services raise them and the door lets them through.
"""

from __future__ import annotations

from mhc_core.services.attributes import InvalidAttribute
from mhc_core.services.interactions import NotText
from mhc_core.services.lookup import NothingToLookUp, PasteTooLarge
from mhc_core.services.notes import EmptyNote
from mhc_core.services.persons import InvalidUsername
from mhc_core.services.sessions import NoLiveSession, SessionAlreadyLive, SessionError
from mhc_core.services.watchlists import UnknownWatchlist

__all__ = [
    "EmptyNote", "Gone", "InvalidAttribute", "InvalidUsername", "NoLiveSession", "NotText", "NothingToLookUp",
    "PasteTooLarge", "SessionAlreadyLive", "SessionError", "UnknownWatchlist",
]


class Gone(LookupError):
    """A row the caller named by id (a person, a watchlist) is no longer in the database."""
