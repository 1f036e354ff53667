"""Watchlists: named lists of persons (Friends, Known Streamers, ...). The Excluded list mirrors exclusion."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from mhc_core.channels import WATCHLIST
from mhc_core.db.models import EXCLUDED_LIST, Person, Watchlist, WatchlistMember
from mhc_core.db.notify import person_changed
from mhc_core.services import persons


class UnknownWatchlist(LookupError):
    def __init__(self, name: str) -> None:
        super().__init__(f"no watchlist called {name!r}")


@dataclass(frozen=True)
class WatchlistSummary:
    id: int
    name: str
    description: str | None
    members: int


def all_lists(session: Session) -> list[WatchlistSummary]:
    rows = session.execute(
        select(Watchlist.id, Watchlist.name, Watchlist.description, func.count(WatchlistMember.person_id))
        .outerjoin(WatchlistMember, WatchlistMember.watchlist_id == Watchlist.id)
        .group_by(Watchlist.id)
        .order_by(Watchlist.id)
    )
    return [WatchlistSummary(*row) for row in rows]


def get(session: Session, watchlist_id: int) -> Watchlist | None:
    return session.get(Watchlist, watchlist_id)


def by_name(session: Session, name: str) -> Watchlist:
    found = session.scalar(select(Watchlist).where(func.lower(Watchlist.name) == name.strip().lower()))
    if found is None:
        raise UnknownWatchlist(name)
    return found


def names_for(session: Session, person_id: uuid.UUID) -> list[str]:
    return list(
        session.scalars(
            select(Watchlist.name)
            .join(WatchlistMember, WatchlistMember.watchlist_id == Watchlist.id)
            .where(WatchlistMember.person_id == person_id)
            .order_by(Watchlist.id)
        )
    )


def set_member(session: Session, watchlist: Watchlist, person: Person, member: bool) -> None:
    if watchlist.name == EXCLUDED_LIST:
        persons.set_excluded(session, person, member)
        return
    if member:
        session.execute(
            insert(WatchlistMember).values(watchlist_id=watchlist.id, person_id=person.id).on_conflict_do_nothing()
        )
    else:
        session.execute(
            delete(WatchlistMember).where(
                WatchlistMember.watchlist_id == watchlist.id, WatchlistMember.person_id == person.id
            )
        )
    person_changed(session, person.id, WATCHLIST, watchlist.id)
