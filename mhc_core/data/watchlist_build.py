"""Watchlist views built from the services' results, inside the session that read them (as in build.py)."""

from __future__ import annotations

from mhc_core.data.watchlist_views import MemberView, WatchlistDetail, WatchlistView
from mhc_core.db.models import Watchlist
from mhc_core.services import watchlists


def summary(row: watchlists.WatchlistSummary) -> WatchlistView:
    return WatchlistView(id=row.id, name=row.name, system=row.is_system, members=row.members)


def one(row: Watchlist, members: int) -> WatchlistView:
    return WatchlistView(id=row.id, name=row.name, system=row.is_system, members=members)


def member(row: watchlists.MemberRow) -> MemberView:
    return MemberView(
        person_id=row.person_id, username=row.username, added_at=row.added_at, online=row.online,
        last_interaction_at=row.last_interaction_at, room_tokens=row.room_tokens,
        snapshot_source=row.snapshot_source, snapshot_at=row.snapshot_at,
        snapshot_delta=None if row.snapshot_delta is None else dict(row.snapshot_delta), has_notes=row.has_notes,
    )


def detail(row: Watchlist, members: list[watchlists.MemberRow]) -> WatchlistDetail:
    return WatchlistDetail(id=row.id, name=row.name, system=row.is_system,
                           members=tuple(member(m) for m in members))
