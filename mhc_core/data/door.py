"""`Data`: every read and write the `mhc` command and the console do, each one unit of work.

Each method opens its own session, runs the services in it, builds frozen views before the session
closes and returns only those (never an ORM object). Writes commit when the method returns. Methods
block on the database (and, for a lookup with Statbate, the network): the console calls them from
worker threads. Refusals are the services' own exceptions (see `mhc_core.data.errors`).
"""

from __future__ import annotations

import asyncio
import dataclasses
import uuid
from collections.abc import Callable, Collection
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from mhc_core.config import Settings
from mhc_core.data import alert_build, analysis_build, build, chart_build, recap_build, watchlist_build
from mhc_core.data.alert_views import AlertView, InboxItem, InboxView
from mhc_core.data.analysis_views import AnalysisView
from mhc_core.data.chart_views import SessionChartsView
from mhc_core.data.errors import Gone
from mhc_core.data.export_views import Export, ExportRow, TranscriptImport, tokens_of
from mhc_core.data.recap_views import RecapView
from mhc_core.data.search_views import SearchPage, UnknownPerson
from mhc_core.data.views import (
    AttributeView,
    DashboardView,
    FeedPage,
    HudsonView,
    InteractionsPage,
    ListMembership,
    LiveSummary,
    LookupProblem,
    LookupResult,
    NoteView,
    PersonRef,
    PersonView,
    RoomView,
    SessionDetail,
    SessionsPage,
    SessionView,
    TimelineView,
)
from mhc_core.data.watchlist_views import MembershipChange, WatchlistDetail, WatchlistView
from mhc_core.db import Database
from mhc_core.db.models import Interaction, Watchlist
from mhc_core.services import (
    attributes,
    feed,
    interactions,
    notes,
    persons,
    recap,
    search,
    session_charts,
    sessions,
    watchlists,
)
from mhc_core.services.analysis import room_history
from mhc_core.username import require_username

# Feed events read per query when catching up; a long absence is read in several.
FEED_BATCH = 2_000


def _now() -> datetime:
    return datetime.now(UTC)


def _export_rows(rows: list[tuple[Interaction, str]]) -> tuple[ExportRow, ...]:
    return tuple(
        ExportRow(timestamp=i.timestamp, type=i.type, username=name, tokens=tokens_of(i.meta), content=i.content,
                  source=i.source, event_id=i.event_id)
        for i, name in rows
    )


class Data:
    """The door to the data of one broadcaster (`settings.broadcaster`), on one database.

    `clock` gives "now" for everything written (notes, session starts and ends, lookups) and for the
    running figures of a LIVE session.
    """

    def __init__(self, db: Database, settings: Settings, *, clock: Callable[[], datetime] = _now) -> None:
        self._db = db
        self._settings = settings
        self._clock = clock

    @property
    def broadcaster(self) -> str:
        return self._settings.broadcaster

    # -- persons -----------------------------------------------------------------------------------

    def person(
        self, who: uuid.UUID | str, *, recent: int = 20, notes: int = 200, room: bool = True, analysis: bool = False
    ) -> PersonView | None:
        """A person by id, or by any name they have had (InvalidUsername if `who` is not a name).

        With their `recent` newest interactions, `notes` newest notes, their room figures if `room`, and
        their behaviour analysis if `analysis` (a few more queries, so only when asked).
        """
        with self._db.session() as s:
            found = persons.get_person(s, who) if isinstance(who, uuid.UUID) else persons.find_person(s, who)
            if found is None:
                return None
            if not analysis:
                return build.person(s, found, recent=recent, notes=notes, room=room)
            # The analysis reads the person's room rows once; the room figures come from that same read.
            zone = self._settings.timezone
            history = room_history(s, found.id, zone or "UTC")
            view = build.person(s, found, recent=recent, notes=notes, room=False)
            return dataclasses.replace(
                view, room=build.room_figures(history.signals()) if room else None,
                analysis=analysis_build.person_analysis(s, found, broadcaster=self.broadcaster, zone=zone,
                                                        history=history))

    def interactions(
        self,
        person_id: uuid.UUID,
        *,
        types: Collection[str] | None = None,
        sources: Collection[str] | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> InteractionsPage:
        """A page of a person's interactions, newest first, filtered by type, source and [since, until)."""
        with self._db.session() as s:
            found = persons.get_person(s, person_id)
            if found is None:
                return InteractionsPage((), 0, offset, limit)
            page = interactions.by_person(s, person_id, types=list(types) if types else None,
                                          sources=list(sources) if sources else None, since=since, until=until,
                                          limit=limit, offset=offset)
            return build.interactions_page(page, found.username)

    def stats_timeline(self, person_id: uuid.UUID, source: str | None = None, *, limit: int = 200) -> TimelineView:
        """A person's snapshots of `source` (None: the first source that has any), oldest first."""
        with self._db.session() as s:
            return build.timeline(s, person_id, source, limit=limit)

    def known_usernames(self, prefix: str, *, limit: int = 20) -> tuple[str, ...]:
        """Current names and aliases starting with `prefix`, in name order, for completion."""
        with self._db.session() as s:
            return tuple(persons.known_usernames(s, prefix, limit=limit))

    def lookup(
        self,
        username: str | None = None,
        *,
        paste: str | None = None,
        role: str | None = None,
        statbate: bool = False,
        room: bool = True,
        recent: int = 20,
    ) -> LookupResult:
        """Resolve (or create) the named person, or everyone named in `paste`, and keep the paste.

        With `statbate`, Statbate is asked first (its failures are `problems`, the local part always
        happens). NothingToLookUp, InvalidUsername, NotText or PasteTooLarge before anything is written.
        The person is read back as `person(..., recent=recent, room=room)` would.
        """
        from mhc_core.services import statbate_lookup  # on use: the HTTP clients only for a lookup

        outcome = asyncio.run(statbate_lookup.lookup(
            self._db, self._settings, username=username, paste=paste, role=role, include_statbate=statbate,
            at=self._clock(),
        ))
        with self._db.session() as s:
            primary = persons.get_person(s, outcome.person_id)
            if primary is None:
                raise Gone("that person is no longer in the database")
            names = persons.usernames(s, outcome.person_ids)
            view = build.person(s, primary, recent=recent, notes=200, room=room)
        return LookupResult(
            person=view,
            people=tuple(PersonRef(pid, names[pid]) for pid in outcome.person_ids if pid in names),
            extracted_usernames=tuple(outcome.extracted_usernames),
            problems=tuple(LookupProblem(e["source"], e["message"]) for e in outcome.errors),
            statbate={name: dict(states) for name, states in outcome.statbate.items()},
        )

    def add_note(self, who: uuid.UUID | str, text: str) -> NoteView:
        """A note on a person: by id (Gone if not there), or by name (found, or created if new).

        Linked to the LIVE session if there is one. NotText or EmptyNote when it cannot be a note.
        """
        with self._db.session() as s:
            if isinstance(who, uuid.UUID):
                found = persons.get_person(s, who)
                if found is None:
                    raise Gone("that person is no longer in the database")
            else:
                found = persons.find_or_create(s, who)
            row = notes.add_note(s, found, text, broadcaster=self.broadcaster, at=self._clock())
            return build.note(row, found.username)

    def save_attribute(
        self,
        person_id: uuid.UUID,
        key: str,
        value: str,
        *,
        confidence: str = "medium",
        evidence_type: str | None = None,
        evidence_id: str | None = None,
        replaces: int | None = None,
    ) -> AttributeView:
        """Add an attribute (a tag is key "tag"), or update confidence and evidence of the same key and
        value; `replaces` is removed in the same transaction (an edit that renamed key or value)."""
        with self._db.session() as s:
            if replaces is not None:
                attributes.remove(s, replaces)
            return build.attribute(attributes.set_attribute(
                s, person_id, key, value, confidence=confidence, evidence_type=evidence_type,
                evidence_id=evidence_id,
            ))

    def remove_attribute(self, attribute_id: int) -> None:
        with self._db.session() as s:
            attributes.remove(s, attribute_id)

    def set_list_member(self, person_id: uuid.UUID, watchlist_id: int, member: bool) -> None:
        """Put a person on a watchlist or take them off; on the Excluded list this is exclusion itself."""
        with self._db.session() as s:
            found = persons.get_person(s, person_id)
            watchlist = watchlists.get(s, watchlist_id)
            if found is None or watchlist is None:
                raise Gone("the person or the list is no longer in the database")
            watchlists.set_member(s, watchlist, found, member)

    # -- watchlists and tags ------------------------------------------------------------------------

    def watchlists(self) -> tuple[WatchlistView, ...]:
        """Every list (the system ones first, in the order they were made) with how many are on it."""
        with self._db.session() as s:
            return tuple(watchlist_build.summary(w) for w in watchlists.all_lists(s))

    def watchlist(self, which: int | str) -> WatchlistDetail:
        """A list by id (Gone if not there) or by name, any case (UnknownWatchlist), with its members'
        online status and figures, read in one query whatever its size."""
        with self._db.session() as s:
            found = self._list(s, which)
            live = sessions.current(s, self.broadcaster)
            return watchlist_build.detail(found, watchlists.members(s, found, live_session_id=live.id if live else None))

    def list_memberships(self, person_id: uuid.UUID) -> tuple[ListMembership, ...]:
        """Every list and whether the person is on it (what the `a` picker shows)."""
        with self._db.session() as s:
            return build.memberships(s, person_id)

    def create_watchlist(self, name: str) -> WatchlistView:
        """A new list of the broadcaster's own (ListRefused: not a name, or taken in any case)."""
        with self._db.session() as s:
            return watchlist_build.one(watchlists.create(s, name), 0)

    def rename_watchlist(self, which: int | str, new_name: str) -> WatchlistView:
        """ListRefused for a system list or a name taken (in any case) by another list."""
        with self._db.session() as s:
            found = watchlists.rename(s, self._list(s, which), new_name)
            return watchlist_build.one(found, watchlists.member_count(s, found))

    def delete_watchlist(self, which: int | str) -> None:
        """Delete one of the broadcaster's own lists (ListRefused for a system list); the persons stay."""
        with self._db.session() as s:
            watchlists.remove_list(s, self._list(s, which))

    def change_watchlist(self, which: int | str, usernames: Collection[str], member: bool) -> MembershipChange:
        """Put the named persons on a list (`member`) or take them off, all or none.

        Every name is checked first (InvalidUsername). Putting on creates a person not known yet, so a
        list can be made ready before someone first visits; taking off a name nobody has is no change.
        On the Excluded list this is exclusion itself, and session figures follow at once.
        """
        names = list(dict.fromkeys(require_username(u) for u in usernames))
        with self._db.session() as s:
            found = self._list(s, which)
            on_list = watchlists.member_ids(s, found)
            changed, unchanged, created = [], [], []
            for name in names:
                person = persons.find_person(s, name)
                if person is None and member:
                    person = persons.find_or_create(s, name, seen_at=self._clock())
                    created.append(name)
                if person is None or (person.id in on_list) == member:
                    unchanged.append(name)
                    continue
                watchlists.set_member(s, found, person, member)
                changed.append(name)
            return MembershipChange(found.name, tuple(changed), tuple(unchanged), tuple(created))

    def tag(
        self,
        username: str,
        key: str,
        value: str,
        *,
        confidence: str = "medium",
        evidence_type: str | None = None,
        evidence_id: str | None = None,
    ) -> AttributeView | None:
        """Set a person's attribute `key` to `value` (replacing the value the key had): None if nobody has
        that name; InvalidAttribute for a bad key, value or confidence, or evidence that names no row of
        this person's."""
        with self._db.session() as s:
            found = persons.find_person(s, username)
            if found is None:
                return None
            return build.attribute(attributes.set_attribute(
                s, found.id, key, value, confidence=confidence, evidence_type=evidence_type,
                evidence_id=evidence_id,
            ))

    def untag(self, username: str, key: str) -> int | None:
        """Remove a person's attribute `key`: how many rows went (0: they had none), None if nobody has
        that name."""
        with self._db.session() as s:
            found = persons.find_person(s, username)
            return None if found is None else attributes.remove_key(s, found.id, key)

    @staticmethod
    def _list(s: Session, which: int | str) -> Watchlist:
        if isinstance(which, str):
            return watchlists.by_name(s, which)
        found = watchlists.get(s, which)
        if found is None:
            raise Gone("that list is no longer in the database")
        return found

    # -- search ------------------------------------------------------------------------------------

    def search(
        self,
        text: str,
        *,
        username: str | None = None,
        types: Collection[str] | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> SearchPage:
        """Stored chat, PMs, tip messages, notes and imported lines matching every word of `text`, newest
        first, in [since, until), of `types` (searchable type names), by `username` (any name they have had:
        InvalidUsername for a bad name, UnknownPerson for nobody). Excluded persons' lines are found too
        (each hit says so). Text with no letter or digit finds nothing."""
        with self._db.session() as s:
            person_id = None
            if username is not None:
                found = persons.find_person(s, username)
                if found is None:
                    raise UnknownPerson(require_username(username))
                person_id = found.id
            hits, more = search.search(s, text, person_id=person_id, types=sorted(types) if types else None,
                                       since=since, until=until, limit=limit, offset=offset)
            return build.search_page(text, hits, more, offset=offset, limit=limit)

    # -- transcript import and export ---------------------------------------------------------------

    def import_transcript(self, session_id: int, text: str) -> TranscriptImport | None:
        """Store a pasted transcript (already storable text) into one of the broadcaster's sessions as
        CHAT_IMPORT lines; None for no such session. Importing the same text again adds nothing."""
        from mhc_core.services import transcript_import

        with self._db.session() as s:
            found = sessions.get(s, session_id)
            if found is None or found.broadcaster != self.broadcaster:
                return None
            done = transcript_import.import_transcript(s, found, text)
            return TranscriptImport(session_id=session_id, imported=done.imported, duplicates=done.duplicates,
                                    unreadable=done.unreadable, unreadable_lines=tuple(done.unreadable_lines),
                                    persons=tuple(done.persons))

    def export_session(self, session_id: int) -> Export | None:
        """Every interaction of one of the broadcaster's sessions, oldest first; None for no such session."""
        from mhc_core.services import export

        with self._db.session() as s:
            found = sessions.get(s, session_id)
            if found is None or found.broadcaster != self.broadcaster:
                return None
            return Export(f"session-{session_id}", _export_rows(export.session_rows(s, session_id)))

    def export_person(self, who: uuid.UUID | str) -> Export | None:
        """Every interaction of a person (by id or any name they have had), oldest first; None for nobody."""
        from mhc_core.services import export

        with self._db.session() as s:
            found = persons.get_person(s, who) if isinstance(who, uuid.UUID) else persons.find_person(s, who)
            if found is None:
                return None
            return Export(f"person-{found.username}", _export_rows(export.person_rows(s, found.id)))

    # -- analysis ---------------------------------------------------------------------------------

    def analysis(self, person_id: uuid.UUID) -> AnalysisView | None:
        """A person's behaviour analysis alone (None if they are gone), for the console's panel."""
        with self._db.session() as s:
            found = persons.get_person(s, person_id)
            if found is None:
                return None
            return analysis_build.person_analysis(s, found, broadcaster=self.broadcaster,
                                                  zone=self._settings.timezone)

    # -- stream sessions ---------------------------------------------------------------------------

    def current_session(self) -> SessionView | None:
        """The LIVE session, if there is one."""
        with self._db.session() as s:
            live = sessions.current(s, self.broadcaster)
            return build.sessions_with_stats(s, [live], now=self._clock())[0] if live else None

    def sessions(self, limit: int = 20, *, offset: int = 0, top: int = 5) -> SessionsPage:
        """The broadcaster's sessions, newest first, each with its `top` tippers."""
        with self._db.session() as s:
            listed = sessions.list_sessions(s, self.broadcaster, limit=limit, offset=offset)
            return SessionsPage(tuple(build.sessions_with_stats(s, listed, now=self._clock(), top=top)),
                                offset, limit)

    def session(self, session_id: int, *, top: int = 5, types: Collection[str] | None = None) -> SessionDetail | None:
        """One of the broadcaster's sessions with its interactions in time order (only `types`, if given)."""
        with self._db.session() as s:
            found = sessions.get(s, session_id)
            if found is None or found.broadcaster != self.broadcaster:
                return None
            return build.session_detail(s, found, now=self._clock(), top=top, types=types)

    def start_session(self) -> SessionView:
        """Start a session now (SessionAlreadyLive if one is LIVE)."""
        with self._db.session() as s:
            started = sessions.start(s, self.broadcaster, at=self._clock())
            return build.sessions_with_stats(s, [started], now=self._clock())[0]

    def end_session(self) -> SessionView:
        """End the LIVE session now (NoLiveSession if there is none)."""
        with self._db.session() as s:
            ended = sessions.end(s, self.broadcaster, at=self._clock())
            return build.sessions_with_stats(s, [ended], now=self._clock())[0]

    # -- recap -------------------------------------------------------------------------------------

    def recap(self, session_id: int) -> RecapView | None:
        """One of the broadcaster's sessions (so far, while LIVE) beside the median of its previous five;
        None for no such session."""
        with self._db.session() as s:
            found = sessions.get(s, session_id)
            if found is None or found.broadcaster != self.broadcaster:
                return None
            return recap_build.recap(recap.recap(s, found, now=self._clock()))

    # -- the room, the feed, the dashboard -----------------------------------------------------------

    def dashboard(self, *, recent: int = 5, with_room: bool = True) -> DashboardView:
        """The LIVE session, the `recent` latest sessions, the latest Chaturbate stats and who is here
        (`with_room=False`: not read, the room left empty, for a caller that reads `room()` on its own)."""
        with self._db.session() as s:
            return build.dashboard(s, self.broadcaster, now=self._clock(), recent=recent,
                                   tiers=self._settings.tiers, with_room=with_room)

    def session_charts(self) -> SessionChartsView:
        """The dashboard charts: tokens per five minutes of the LIVE session (else the latest) and of the
        one before, and the Stats API's viewer counts over it."""
        with self._db.session() as s:
            return chart_build.session_charts(session_charts.charts(s, self.broadcaster, now=self._clock()))

    def room(self) -> RoomView:
        """Who is in the room now, newest arrival first, with what the room list shows of each."""
        with self._db.session() as s:
            return build.room(s, self.broadcaster, sessions.current(s, self.broadcaster), tiers=self._settings.tiers)

    def feed_page(
        self, types: Collection[str] | None = None, *, after_id: int | None = None, limit: int = 500
    ) -> FeedPage:
        """Feed events of `types` (None: all), oldest first: the newest `limit`, or with `after_id`, those
        committed after it, at most `limit` (read in batches; the rest on the next call)."""
        kinds = sorted(types) if types else None
        with self._db.session() as s:
            if after_id is None:
                found = feed.latest_events(s, limit=limit, types=kinds)
            else:
                found, cursor = [], after_id
                while len(found) < limit:
                    batch = feed.events_after(s, cursor, limit=FEED_BATCH, types=kinds)
                    found.extend(batch)
                    if len(batch) < FEED_BATCH:
                        break
                    cursor = batch[-1].id
                found = found[-limit:]
            return FeedPage(tuple(build.feed_item(item) for item in found),
                            frozenset(types) if types else None, after_id)

    def live_summary(self) -> LiveSummary:
        """The LIVE session's id, start and tokens, and when the last event arrived (the health line)."""
        with self._db.session() as s:
            return build.live_summary(s, self.broadcaster, now=self._clock())

    # -- alerts and the inbox ------------------------------------------------------------------------

    def alerts(
        self,
        *,
        since: datetime | None = None,
        unacknowledged: bool = False,
        after_id: int | None = None,
        limit: int = 500,
    ) -> tuple[AlertView, ...]:
        """Alerts newest first: fired at or after `since`, only those not acknowledged, only ids above
        `after_id` (a console showing each new alert once), at most `limit`."""
        from mhc_core.services import alerts

        with self._db.session() as s:
            return tuple(alert_build.alert(row) for row in alerts.list_alerts(
                s, since=since, unacknowledged=unacknowledged, after_id=after_id, limit=limit))

    def inbox(self) -> InboxView:
        """Every unacknowledged alert, tip and incoming private message of this broadcast, newest first."""
        from mhc_core.services import alerts

        with self._db.session() as s:
            since = alerts.since_of(s, self.broadcaster)
            items = tuple(
                InboxItem(kind=e.kind, key=f"{e.kind}:{e.id}", id=e.id, person_id=e.person_id, username=e.username,
                          at=e.at, text=e.text, tokens=e.tokens)
                for e in alerts.inbox(s, self.broadcaster)
            )
            return InboxView(items, since)

    def acknowledge(self, keys: Collection[str]) -> int:
        """Acknowledge inbox items by their keys (BadInboxKey for one that is not a key, before any is);
        how many were not acknowledged yet. Every console hears of it."""
        from mhc_core.services import alerts

        with self._db.session() as s:
            return alerts.acknowledge(s, self.broadcaster, keys, at=self._clock())

    def acknowledge_all(self) -> int:
        """Acknowledge everything the inbox shows now; how many items."""
        from mhc_core.services import alerts

        with self._db.session() as s:
            return alerts.acknowledge_all(s, self.broadcaster, at=self._clock())

    def unacknowledged_count(self) -> int:
        """How many items the inbox shows (one query)."""
        from mhc_core.services import alerts

        with self._db.session() as s:
            return alerts.unacknowledged_count(s, self.broadcaster)

    def set_muted(self, person_id: uuid.UUID, muted: bool) -> None:
        """Mute a person (no alert fires for him) or unmute him; Gone if he is no longer there."""
        from mhc_core.services import alerts

        with self._db.session() as s:
            if persons.get_person(s, person_id) is None:
                raise Gone("that person is no longer in the database")
            alerts.set_muted(s, self.broadcaster, person_id, muted, at=self._clock())

    def muted(self, person_id: uuid.UUID) -> bool:
        from mhc_core.services import alerts

        with self._db.session() as s:
            return alerts.is_muted(s, person_id)

    def hudson(self, *, recent: int = 20) -> HudsonView:
        """The broadcaster's own view: latest stats, current and recent sessions, `recent` interactions."""
        with self._db.session() as s:
            return build.hudson(s, self.broadcaster, now=self._clock(), recent=recent)
