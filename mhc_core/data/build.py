"""Views built from the services' results, inside the session that read them: the one place each is made.

Every function takes an open `Session` (or rows read in one) and returns views holding plain values
only, so nothing handed out can lazy-load after the session has closed.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy.orm import Session

from mhc_core.data.search_views import SearchHit, SearchPage
from mhc_core.data.views import (
    AliasView,
    AttributeView,
    DashboardView,
    FeedItem,
    HudsonView,
    InteractionsPage,
    InteractionView,
    ListMembership,
    LiveSummary,
    NoteView,
    PersonView,
    ReadingView,
    RoomEntry,
    RoomFigures,
    RoomView,
    SessionDetail,
    SessionView,
    TimelineView,
    Tipper,
    tokens_of,
)
from mhc_core.db.models import Attribute, Interaction, Person, StreamSession
from mhc_core.kinds import InteractionType, SnapshotSource
from mhc_core.radar.tiers import Tiers
from mhc_core.services import (
    attributes,
    feed,
    interactions,
    persons,
    room_radar,
    room_signals,
    search,
    sessions,
    snapshots,
    watchlists,
)


def reading(source: str, found: snapshots.Reading) -> ReadingView:
    snap = found.snapshot
    return ReadingView(source=source, snapshot_id=snap.id, captured_at=snap.captured_at,
                       metrics=dict(snap.normalized_metrics), delta=None if found.delta is None else dict(found.delta))


def interaction(row: Interaction, username: str) -> InteractionView:
    return InteractionView(id=row.id, person_id=row.person_id, username=username, type=row.type, content=row.content,
                           timestamp=row.timestamp, source=row.source, metadata=row.meta,
                           stream_session_id=row.stream_session_id)


def note(row: Interaction, username: str) -> NoteView:
    return NoteView(id=row.id, person_id=row.person_id, username=username, content=row.content or "",
                    timestamp=row.timestamp, stream_session_id=row.stream_session_id)


def attribute(row: Attribute) -> AttributeView:
    return AttributeView(id=row.id, key=row.key, value=row.value, confidence=row.confidence,
                         evidence_type=row.evidence_type, evidence_id=row.evidence_id, updated_at=row.updated_at)


def interactions_page(page: interactions.Page, username: str) -> InteractionsPage:
    return InteractionsPage(items=tuple(interaction(i, username) for i in page.items), total=page.total,
                            offset=page.offset, limit=page.limit)


def person(s: Session, found: Person, *, recent: int, notes: int, room: bool) -> PersonView:
    """Everything stored about `found`: `recent` interactions, `notes` notes, room figures if `room`."""
    name = found.username
    noted = interactions.by_person(s, found.id, types=[InteractionType.MANUAL_NOTE.value], limit=notes)
    figures = room_signals.for_person(s, found.id) if room else None
    return PersonView(
        id=found.id,
        username=name,
        role=found.role,
        rid=found.rid,
        did=found.did,
        is_excluded=found.is_excluded,
        first_seen_at=found.first_seen_at,
        last_seen_at=found.last_seen_at,
        aliases=tuple(AliasView(a.username, a.valid_from, a.valid_to) for a in found.aliases),
        readings=tuple(reading(source, r) for source, r in snapshots.latest_readings(s, found.id).items()),
        recent_interactions=tuple(interaction(i, name)
                                  for i in interactions.by_person(s, found.id, limit=recent).items),
        notes=tuple(note(i, name) for i in noted.items),
        notes_total=noted.total,
        attributes=tuple(attribute(a) for a in attributes.for_person(s, found.id)),
        lists=memberships(s, found.id),
        room=None if figures is None else room_figures(figures),
    )


def room_figures(figures: room_signals.RoomSignals) -> RoomFigures:
    return RoomFigures(
        tip_tokens=figures.tip_tokens, tips=figures.tips, chat_messages=figures.chat_messages,
        private_messages=figures.private_messages, sessions_attended=figures.sessions_attended,
        last_seen_in_room=figures.last_seen_in_room,
    )


def memberships(s: Session, person_id: uuid.UUID) -> tuple[ListMembership, ...]:
    """Every watchlist, in list order, and whether the person is on it."""
    on = set(watchlists.names_for(s, person_id))
    return tuple(ListMembership(w.id, w.name, w.name in on) for w in watchlists.all_lists(s))


def timeline(s: Session, person_id: uuid.UUID, source: str | None, *, limit: int) -> TimelineView:
    """`source`'s snapshots; with no source, those of the first source (in source order) that has any."""
    for candidate in [source] if source else [src.value for src in SnapshotSource]:
        found = snapshots.timeline(s, person_id, candidate, limit=limit)
        if found or source:
            return TimelineView(candidate, tuple(reading(candidate, r) for r in found))
    return TimelineView(None, ())


def session(stats: sessions.SessionStats) -> SessionView:
    s = stats.session
    return SessionView(
        id=s.id, status=s.status, origin=s.origin, started_at=s.started_at, ended_at=s.ended_at,
        duration_seconds=stats.duration_seconds, tokens=stats.tokens, tips=stats.tips,
        chat_messages=stats.chat_messages, private_messages=stats.private_messages,
        unique_chatters=stats.unique_chatters, follows=stats.follows, unfollows=stats.unfollows,
        media_tokens=stats.media_tokens,
        top_tippers=tuple(Tipper(t["username"], t["tokens"]) for t in stats.top_tippers),
    )


def sessions_with_stats(
    s: Session, listed: list[StreamSession], *, now: datetime, top: int = 5
) -> list[SessionView]:
    return [session(st) for st in sessions.stats_many(s, listed, now=now, top=top)]


def session_detail(
    s: Session, found: StreamSession, *, now: datetime, top: int, types: Iterable[str] | None
) -> SessionDetail:
    rows = interactions.by_session(s, found.id, types=sorted(types) if types else None)
    return SessionDetail(session=sessions_with_stats(s, [found], now=now, top=top)[0],
                         interactions=tuple(interaction(i, name) for i, name in rows))


def feed_item(item: feed.FeedItem) -> FeedItem:
    return FeedItem(id=item.id, type=item.type, timestamp=item.timestamp, person_id=item.person_id,
                    username=item.username, content=item.content, tokens=item.tokens,
                    stream_session_id=item.stream_session_id)


# The room list keeps up with a room this full (a busy room has a few thousand at most).
ROOM_LIMIT = 5_000


def room(s: Session, broadcaster: str, live: StreamSession | None, *, tiers: Tiers | None = None) -> RoomView:
    """Who is here, newest arrival first, each with his room and Statbate figures, lists, notes, tier, mute."""
    entries = feed.room_now(s, broadcaster, tips_session_id=live.id if live else None, limit=ROOM_LIMIT)
    known = room_radar.figures(s, [e.person_id for e in entries])
    tiers = tiers or Tiers()
    built = []
    for e in entries:
        f = known.get(e.person_id, room_radar.NOTHING_KNOWN)
        built.append(RoomEntry(
            e.person_id, e.username, e.entered_at, e.tokens, room_tokens=f.room_tokens,
            statbate_all_time=f.statbate_all_time, lists=f.lists, has_notes=f.has_notes,
            tier=tiers.of(f.statbate_all_time, f.room_tokens), muted=f.muted,
        ))
    return RoomView(tuple(built))


def dashboard(
    s: Session, broadcaster: str, *, now: datetime, recent: int, tiers: Tiers | None = None, with_room: bool = True
) -> DashboardView:
    live = sessions.current(s, broadcaster)
    listed = sessions.list_sessions(s, broadcaster, limit=recent)
    by_id = {v.id: v for v in sessions_with_stats(s, listed + ([live] if live and live not in listed else []),
                                                  now=now)}
    me = persons.find_person(s, broadcaster)
    latest = since = None
    if me is not None:
        latest = snapshots.latest_reading(s, me.id, SnapshotSource.CB_STATS.value)
        if live is not None and latest is not None:
            since = snapshots.reading_since(s, me.id, SnapshotSource.CB_STATS.value, live.started_at)
    return DashboardView(
        live=by_id[live.id] if live else None,
        reading=reading(SnapshotSource.CB_STATS.value, latest) if latest else None,
        since_session=since,
        recent=tuple(by_id[r.id] for r in listed),
        room=room(s, broadcaster, live, tiers=tiers) if with_room else RoomView(()),
    )


def live_summary(s: Session, broadcaster: str, *, now: datetime) -> LiveSummary:
    found = feed.live_summary(s, broadcaster, now=now)
    return LiveSummary(session_id=found.session_id, started_at=found.started_at, tokens=found.tokens,
                       last_event_at=found.last_event_at, unacknowledged=found.unacknowledged,
                       scope_hint=found.scope_hint)


def hudson(s: Session, broadcaster: str, *, now: datetime, recent: int) -> HudsonView:
    me = persons.find_person(s, broadcaster)
    latest = snapshots.latest_reading(s, me.id, SnapshotSource.CB_STATS.value) if me else None
    live = sessions.current(s, broadcaster)
    return HudsonView(
        broadcaster=broadcaster,
        stats=reading(SnapshotSource.CB_STATS.value, latest) if latest else None,
        current_session=sessions_with_stats(s, [live], now=now)[0] if live else None,
        recent_sessions=tuple(sessions_with_stats(s, sessions.list_sessions(s, broadcaster, limit=10), now=now)),
        recent_interactions=tuple(interaction(i, name) for i, name in interactions.recent(s, limit=recent)),
    )


# -- search ---------------------------------------------------------------------------------------


def search_hit(hit: search.Hit) -> SearchHit:
    row = hit.row
    return SearchHit(id=row.id, person_id=row.person_id, username=hit.username, excluded=hit.excluded, type=row.type,
                     content=row.content or "", timestamp=row.timestamp, stream_session_id=row.stream_session_id,
                     tokens=tokens_of(row.meta))


def search_page(text: str, hits: list[search.Hit], more: bool, *, offset: int, limit: int) -> SearchPage:
    return SearchPage(text=text, hits=tuple(search_hit(h) for h in hits), offset=offset, limit=limit, more=more)
