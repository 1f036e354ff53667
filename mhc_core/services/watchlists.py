"""Watchlists: named lists of persons (Friends, Known Streamers, ...). The Excluded list mirrors exclusion."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from mhc_core.channels import CHANNEL_PERSONS, WATCHLIST
from mhc_core.db.models import EXCLUDED_LIST, Person, Watchlist, WatchlistMember
from mhc_core.db.notify import notify, person_changed
from mhc_core.services import persons, snapshots
from mhc_core.services.amounts import ROOM_TOKENS_LATERAL


class UnknownWatchlist(LookupError):
    def __init__(self, name: str) -> None:
        super().__init__(f"no watchlist called {name!r}")


@dataclass(frozen=True)
class WatchlistSummary:
    id: int
    name: str
    description: str | None
    members: int
    is_system: bool


def all_lists(session: Session) -> list[WatchlistSummary]:
    rows = session.execute(
        select(Watchlist.id, Watchlist.name, Watchlist.description, func.count(WatchlistMember.person_id),
               Watchlist.is_system)
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


def member_ids(session: Session, watchlist: Watchlist) -> set[uuid.UUID]:
    return set(session.scalars(select(WatchlistMember.person_id).where(WatchlistMember.watchlist_id == watchlist.id)))


def member_count(session: Session, watchlist: Watchlist) -> int:
    return session.scalar(select(func.count()).where(WatchlistMember.watchlist_id == watchlist.id)) or 0


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


# -- the broadcaster's own lists ------------------------------------------------------------------

# A list's name is shown in a column and typed on the command line: one short line.
NAME_MAX = 60


class ListRefused(ValueError):
    """A list cannot be made, renamed or deleted as asked (a system list, a name taken or not a name)."""


def list_name(raw: str) -> str:
    """`raw` as a list name: trimmed, 1 to NAME_MAX printable characters (ListRefused otherwise)."""
    name = raw.strip()
    if not name:
        raise ListRefused("a list needs a name")
    if len(name) > NAME_MAX:
        raise ListRefused(f"a list name is at most {NAME_MAX} characters")
    if not name.isprintable():
        raise ListRefused("a list name cannot hold control characters")
    return name


def _lists_changed(session: Session, watchlist_id: int) -> None:
    # No person concerned: every reader of lists (and every person screen's lists tab) reads again.
    notify(session, CHANNEL_PERSONS, {"person_id": None, "what": WATCHLIST, "id": watchlist_id})


def _refuse_taken(session: Session, name: str, *, other_than: int | None = None) -> None:
    taken = session.scalar(select(Watchlist.name).where(
        func.lower(Watchlist.name) == name.lower(), *([Watchlist.id != other_than] if other_than else [])))
    if taken is not None:
        raise ListRefused(f"there is already a list called {taken!r}")


def _refuse_system(watchlist: Watchlist, doing: str) -> None:
    if watchlist.is_system:
        raise ListRefused(f"{watchlist.name!r} is a system list: it cannot be {doing}")


def _lock_names(session: Session) -> None:
    # Names are unique without regard to case, which the unique index does not know: two creators of
    # "Regulars" and "regulars" take turns here (released at commit).
    session.execute(text("SELECT pg_advisory_xact_lock(hashtext('mhc watchlist names'))"))


def create(session: Session, raw_name: str) -> Watchlist:
    name = list_name(raw_name)
    _lock_names(session)
    _refuse_taken(session, name)
    watchlist = Watchlist(name=name, is_system=False)
    session.add(watchlist)
    session.flush()
    _lists_changed(session, watchlist.id)
    return watchlist


def rename(session: Session, watchlist: Watchlist, raw_name: str) -> Watchlist:
    _refuse_system(watchlist, "renamed")
    name = list_name(raw_name)
    _lock_names(session)
    _refuse_taken(session, name, other_than=watchlist.id)
    watchlist.name = name
    session.flush()
    _lists_changed(session, watchlist.id)
    return watchlist


def remove_list(session: Session, watchlist: Watchlist) -> None:
    """Delete one of the broadcaster's own lists with its memberships (the persons stay)."""
    _refuse_system(watchlist, "deleted")
    session.execute(delete(WatchlistMember).where(WatchlistMember.watchlist_id == watchlist.id))
    session.delete(watchlist)
    session.flush()
    _lists_changed(session, watchlist.id)


# -- members with what the watchlists screen shows ------------------------------------------------

ONLINE_IN_ROOM, ONLINE_LIVE_MODEL, ONLINE_OFFLINE = "in_room", "live_model", "offline"

# One statement for a whole list, each member's figures from their own rows through the
# (person_id, ...) indexes, so its cost follows the list's size, not the database's:
# - online: `in_room` when their last USER_ENTER/USER_LEAVE of the LIVE session is an enter;
#   `live_model` when the newest statbate_model/cb_stats snapshot that tells (has "online") says true;
# - last interaction: their newest interaction that is not the operator's own (a note, a paste);
# - room tokens: every tip in the room (captured events and pasted room transcripts), all time;
# - the newest snapshot of any source, and the one before it of the same source (for its delta);
# - has notes: any MANUAL_NOTE.
_MEMBERS = text(f"""
SELECT p.id, p.username, m.added_at,
       CASE WHEN room.type = 'USER_ENTER' THEN 'in_room'
            WHEN live.online THEN 'live_model' ELSE 'offline' END AS online,
       last_seen.at AS last_interaction_at,
       coalesce(tipped.tokens, 0) AS room_tokens,
       snap.source AS snapshot_source, snap.captured_at AS snapshot_at, snap.metrics AS snapshot_metrics,
       before.metrics AS previous_metrics,
       noted.yes IS NOT NULL AS has_notes
FROM watchlist_members AS m
JOIN persons AS p ON p.id = m.person_id
LEFT JOIN LATERAL (
    SELECT i.type FROM interactions AS i
    WHERE i.person_id = p.id AND CAST(:live_id AS bigint) IS NOT NULL
      AND i.stream_session_id = CAST(:live_id AS bigint) AND i.type IN ('USER_ENTER', 'USER_LEAVE')
    ORDER BY i.timestamp DESC, i.id DESC LIMIT 1
) AS room ON true
LEFT JOIN LATERAL (
    SELECT (s.normalized_metrics -> 'online') = 'true'::jsonb AS online FROM snapshots AS s
    WHERE s.person_id = p.id AND s.source IN ('statbate_model', 'cb_stats') AND s.normalized_metrics ? 'online'
    ORDER BY s.captured_at DESC, s.id DESC LIMIT 1
) AS live ON true
LEFT JOIN LATERAL (
    SELECT i.timestamp AS at FROM interactions AS i
    WHERE i.person_id = p.id AND i.type NOT IN ('MANUAL_NOTE', 'PROFILE_PASTE')
    ORDER BY i.timestamp DESC LIMIT 1
) AS last_seen ON true
{ROOM_TOKENS_LATERAL}
LEFT JOIN LATERAL (
    SELECT s.source, s.captured_at, s.id, s.normalized_metrics AS metrics FROM snapshots AS s
    WHERE s.person_id = p.id ORDER BY s.captured_at DESC, s.id DESC LIMIT 1
) AS snap ON true
LEFT JOIN LATERAL (
    SELECT s.normalized_metrics AS metrics FROM snapshots AS s
    WHERE s.person_id = p.id AND s.source = snap.source
      AND (s.captured_at, s.id) < (snap.captured_at, snap.id)
    ORDER BY s.captured_at DESC, s.id DESC LIMIT 1
) AS before ON true
LEFT JOIN LATERAL (
    SELECT 1 AS yes FROM interactions AS i
    WHERE i.person_id = p.id AND i.type = 'MANUAL_NOTE' LIMIT 1
) AS noted ON true
WHERE m.watchlist_id = :list_id
ORDER BY p.username
""")


@dataclass(frozen=True)
class MemberRow:
    person_id: uuid.UUID
    username: str
    added_at: datetime
    online: str
    last_interaction_at: datetime | None
    room_tokens: int
    snapshot_source: str | None
    snapshot_at: datetime | None
    snapshot_metrics: dict[str, Any] | None
    snapshot_delta: dict[str, int | float | None] | None  # None: no snapshot, or the first of its source
    has_notes: bool


def members(session: Session, watchlist: Watchlist, *, live_session_id: int | None) -> list[MemberRow]:
    """Everyone on `watchlist`, by username, with their online status and figures, in one query."""
    rows = session.execute(_MEMBERS, {"list_id": watchlist.id, "live_id": live_session_id})
    return [
        MemberRow(
            person_id=r.id, username=r.username, added_at=r.added_at, online=r.online,
            last_interaction_at=r.last_interaction_at, room_tokens=int(r.room_tokens),
            snapshot_source=r.snapshot_source, snapshot_at=r.snapshot_at, snapshot_metrics=r.snapshot_metrics,
            snapshot_delta=None if r.previous_metrics is None else snapshots.delta(r.previous_metrics,
                                                                                   r.snapshot_metrics),
            has_notes=r.has_notes,
        )
        for r in rows
    ]
