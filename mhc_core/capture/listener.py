"""The journaled write of one batch of events: journal, persons, interactions, sessions and cursor, at once.

`write_batch` runs inside the caller's transaction. Only events the journal did not already hold are
projected, so a replayed batch (after a restart, a retry, or a second capturer) stores nothing twice.
A batch is one statement (journal, persons, interactions linked to the LIVE session, cursor, NOTIFY);
one that starts or stops a broadcast costs a few more round trips around the session tracker. Every
statement has constant text, and its rows travel as one JSON array (see below).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import psycopg
from sqlalchemy import func, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from mhc_core.capture.notify import CHANNEL_EVENTS
from mhc_core.capture.projection import SOURCE, JournalEntry, dumps, storable_str
from mhc_core.capture.sessions_auto import SessionTracker
from mhc_core.db.models import InteractionType, ListenerState, SessionStatus
from mhc_core.services import persons

log = logging.getLogger(__name__)

# One statement per table per batch, with constant text (so psycopg prepares it once): the rows go as
# one JSON array (built from JSON we serialised once per event) and are unpacked server-side, in order.
_JOURNAL_INSERT = text(
    """
    WITH j AS (
        INSERT INTO event_log (event_id, broadcaster, method, payload, raw, event_time, received_at, error)
        SELECT r.doc->>'event_id', :broadcaster, r.doc->>'method', r.doc->'payload', r.doc->>'raw',
               (r.doc->>'event_time')::timestamptz, (r.doc->>'received_at')::timestamptz, r.doc->>'error'
        FROM jsonb_array_elements(CAST(:rows AS jsonb)) WITH ORDINALITY AS r(doc, n)
        ORDER BY r.n
        ON CONFLICT (event_id) DO NOTHING
        RETURNING id, event_id
    ), live AS (
        SELECT id, started_at FROM stream_sessions WHERE broadcaster = :broadcaster AND status = :live
    )
    SELECT j.id, j.event_id, live.id, live.started_at FROM j LEFT JOIN live ON true
    """
)
# Each row new to the journal comes back with the LIVE session as it is at the start of the batch
# (what SessionTracker would read), so a batch without broadcastStart/Stop links its interactions
# without another round trip.
# The batch's last statement: its interactions (possibly none), the cursor, and the NOTIFY (when
# :notify is not null) -- one round trip, inside the batch's transaction like everything else.
_FINISH = text(
    """
    WITH i AS (
        INSERT INTO interactions (person_id, stream_session_id, type, content, timestamp, source, metadata,
                                  event_id)
        SELECT (r.doc->>'person_id')::uuid, (r.doc->>'sid')::bigint, r.doc->>'type', r.doc->>'content',
               (r.doc->>'ts')::timestamptz, :source, r.doc->'meta', r.doc->>'event_id'
        FROM jsonb_array_elements(CAST(:rows AS jsonb)) WITH ORDINALITY AS r(doc, n)
        ORDER BY r.n
    ), c AS (
        INSERT INTO listener_state (broadcaster, cursor, updated_at) VALUES (:broadcaster, :cursor, now())
        ON CONFLICT (broadcaster) DO UPDATE SET cursor = EXCLUDED.cursor, updated_at = EXCLUDED.updated_at
    )
    SELECT pg_notify(:channel, :notify) WHERE :notify IS NOT NULL
    """
)
# A batch that neither starts nor stops a broadcast (nearly all of them) is written by this one
# statement: the journal insert, then for the rows new to the journal only, the persons (composed from
# services/persons.py), the interactions linked to the LIVE session, the cursor, and one NOTIFY when
# something new was journaled. Each row of :rows is a journal row, plus "p" (the projection) when the
# event has one (used only when :project). It returns one row per event new to the journal, with the
# session its interaction was linked to; the NOTIFY (the payload notify() would send) is queued once, on
# the first of those rows.
_WRITE = text(
    """
    WITH r AS (
        SELECT doc, n FROM jsonb_array_elements(CAST(:rows AS jsonb)) WITH ORDINALITY AS x(doc, n)
    ), j AS (
        INSERT INTO event_log (event_id, broadcaster, method, payload, raw, event_time, received_at, error)
        SELECT r.doc->>'event_id', :broadcaster, r.doc->>'method', r.doc->'payload', r.doc->>'raw',
               (r.doc->>'event_time')::timestamptz, (r.doc->>'received_at')::timestamptz, r.doc->>'error'
        FROM r ORDER BY r.n
        ON CONFLICT (event_id) DO NOTHING
        RETURNING id, event_id
    ), p AS (
        SELECT r.n, j.event_id, r.doc->'p' AS p, (r.doc->>'event_time')::timestamptz AS ts
        FROM r JOIN j ON j.event_id = r.doc->>'event_id'
        WHERE CAST(:project AS boolean) AND r.doc ? 'p'
    ), seen AS (
        SELECT p.p->>'u' AS u, min(p.ts) AS f, max(p.ts) AS l FROM p GROUP BY 1
    ), """ + persons.persons_upsert_sql("seen") + """, live AS (
        SELECT id, started_at FROM stream_sessions WHERE broadcaster = :broadcaster AND status = :live
    ), i AS (
        INSERT INTO interactions (person_id, stream_session_id, type, content, timestamp, source, metadata,
                                  event_id)
        SELECT up.id, CASE WHEN live.started_at <= p.ts THEN live.id END, p.p->>'type',
               p.p->>'content', p.ts, :source, p.p->'meta', p.event_id
        FROM p JOIN persons_up AS up ON up.username = p.p->>'u' LEFT JOIN live ON true
        ORDER BY p.n
        RETURNING event_id, stream_session_id
    ), c AS (
        INSERT INTO listener_state (broadcaster, cursor, updated_at) VALUES (:broadcaster, :cursor, now())
        ON CONFLICT (broadcaster) DO UPDATE SET cursor = EXCLUDED.cursor, updated_at = EXCLUDED.updated_at
    )
    SELECT j.id, j.event_id, i.stream_session_id,
           CASE WHEN row_number() OVER () = 1 THEN pg_notify(:channel, format(
               '{"broadcaster": %s, "count": %s, "max_id": %s}',
               to_json(CAST(:broadcaster AS text)), count(*) OVER (), max(j.id) OVER ())) END
    FROM j LEFT JOIN i ON i.event_id = j.event_id
    """
)
_NO_ROWS = "[]"
_START = InteractionType.BROADCAST_START.value
_STOP = InteractionType.BROADCAST_STOP.value
_BROADCASTS = frozenset({_START, _STOP})


def _journal_rows(entries: list[JournalEntry]) -> str:
    """The entries as one JSON array (see JournalEntry.row_json)."""
    return "[" + ",".join(e.row_json for e in entries) + "]"


@dataclass
class BatchResult:
    journaled: int = 0  # events new to the journal
    errors: int = 0  # of which were kept with an error (unknown, damaged, foreign)
    max_log_id: int | None = None
    last_event_at: datetime | None = None
    sessions_changed: bool = False
    # Each projected event with the session it was linked to; turned into `projected` only when read
    # (on the reader's thread: the database thread has better things to do).
    linked: list[tuple[JournalEntry, int | None]] = field(default_factory=list, repr=False)
    _projected: list[dict[str, Any]] | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def projected(self) -> list[dict[str, Any]]:
        """Simple dicts for printers/feeds, one per projected event, in feed order."""
        if self._projected is None:
            self._projected = [_describe(e, sid) for e, sid in self.linked]
        return self._projected


def read_cursor(session: Session, broadcaster: str) -> str | None:
    return session.scalar(select(ListenerState.cursor).where(ListenerState.broadcaster == broadcaster))


def save_cursor(session: Session, broadcaster: str, cursor: str | None) -> None:
    stmt = insert(ListenerState).values(broadcaster=broadcaster, cursor=cursor, updated_at=func.now())
    session.execute(
        stmt.on_conflict_do_update(
            index_elements=[ListenerState.broadcaster],
            set_={"cursor": stmt.excluded.cursor, "updated_at": stmt.excluded.updated_at},
        )
    )


def _unique(entries: list[JournalEntry]) -> list[JournalEntry]:
    """The first entry of each event id (the feed repeats an event under its id; the journal keeps one)."""
    seen: dict[str, JournalEntry] = {}
    out = []
    for entry in entries:
        first = seen.get(entry.event_id)
        if first is None:
            seen[entry.event_id] = entry
            out.append(entry)
        elif first.raw_text != entry.raw_text:
            log.warning("event %s came twice in one batch with different content; the first is kept: %s",
                        entry.event_id, entry.raw_text[:300])
    return out


# SQLSTATE classes that blame the server or the connection rather than the rows: the caller retries those
# as they are (connection, transaction rollback, resources, object state, operator, system).
_SERVER_TROUBLE = frozenset({"08", "40", "53", "55", "57", "58"})


def _refused_data(exc: Exception) -> bool:
    """True when the database (or the driver) refused what was sent, and the connection is still usable."""
    if isinstance(exc, UnicodeError):
        return True
    if not isinstance(exc, DBAPIError) or exc.connection_invalidated:
        return False
    state = getattr(exc.orig, "sqlstate", None)
    if state is None:  # raised by the driver before sending: only its DataError (NUL in text) is the data
        return isinstance(exc.orig, psycopg.DataError)
    return state[:2] not in _SERVER_TROUBLE


def _reason(exc: Exception) -> str:
    original = getattr(exc, "orig", None) or exc
    lines = [ln.strip() for ln in str(original).splitlines() if ln.strip()]
    return lines[0][:300] if lines else type(original).__name__


def write_batch(
    session: Session,
    broadcaster: str,
    entries: list[JournalEntry],
    cursor: str | None,
    *,
    merge_minutes: int,
    project: bool = True,
) -> BatchResult:
    """Journal `entries`, project the new valid ones, move the cursor, and queue one NOTIFY.

    `project=False` journals only (the fallback when projecting a batch keeps failing).
    Round trips: one statement (`_WRITE`) for the whole batch, unless it starts or stops a broadcast:
    then the journal insert (which also reads the LIVE session), the persons, the session tracker's
    own, and one statement for interactions + cursor + NOTIFY; plus a savepoint around it all.
    A batch that the database refuses (whatever one of its events holds) is written again event by
    event, so that the others land and the refused one is journaled with the database's reason.
    """
    entries = _unique(entries)
    if cursor is not None and storable_str(cursor) != cursor:
        log.warning("capture: the feed's cursor holds characters Postgres cannot store; saved without them")
        cursor = storable_str(cursor)
    try:
        with session.begin_nested():
            return _write(session, broadcaster, entries, cursor, merge_minutes, project)
    except (DBAPIError, UnicodeError) as exc:
        if not entries or not _refused_data(exc):
            raise
        log.warning("capture: the database refused a batch of %d events (%s); writing them one by one",
                    len(entries), _reason(exc))
    total = BatchResult()
    for entry in entries:
        _add(total, _write_alone(session, broadcaster, entry, cursor, merge_minutes, project))
    return total


def _write_alone(
    session: Session, broadcaster: str, entry: JournalEntry, cursor: str | None, merge_minutes: int,
    project: bool,
) -> BatchResult:
    """One event in its own savepoint: as it is; if refused, journaled without its projection; if refused
    again, with its raw text only. Raises when even that is refused (then the data is not the reason)."""
    attempt, projecting = entry, project and entry.projection is not None
    while True:
        try:
            with session.begin_nested():
                return _write(session, broadcaster, [attempt], cursor, merge_minutes, projecting)
        except (DBAPIError, UnicodeError) as exc:
            if (not projecting and attempt.payload_json == "null") or not _refused_data(exc):
                raise
            reason = _reason(exc)
            log.warning("capture: the database refused event %s (%s)", entry.event_id, reason)
        attempt = attempt.refused(reason, keep_payload=projecting)
        projecting = False


def _add(total: BatchResult, part: BatchResult) -> None:
    total.journaled += part.journaled
    total.errors += part.errors
    total.max_log_id = max((x for x in (total.max_log_id, part.max_log_id) if x is not None), default=None)
    total.last_event_at = max((x for x in (total.last_event_at, part.last_event_at) if x is not None),
                              default=None)
    total.sessions_changed = total.sessions_changed or part.sessions_changed
    total.linked.extend(part.linked)


def _write(
    session: Session, broadcaster: str, entries: list[JournalEntry], cursor: str | None, merge_minutes: int,
    project: bool,
) -> BatchResult:
    if needs_transaction(entries, project):
        return _write_with_tracker(session, broadcaster, entries, cursor, merge_minutes)
    result = BatchResult()
    params = {"rows": _journal_rows(entries), "project": project, "broadcaster": broadcaster,
              "live": SessionStatus.LIVE.value, "source": SOURCE, "cursor": cursor, "channel": CHANNEL_EVENTS}
    inserted: dict[str, tuple[int, int | None]] = {}
    for log_id, event_id, sid, _ in session.execute(_WRITE, params):
        inserted[event_id] = (log_id, sid)
    fresh = [(inserted[e.event_id][0], e) for e in entries if e.event_id in inserted]
    _summarise(fresh, result)
    if project:
        result.linked = [(e, inserted[e.event_id][1]) for _, e in fresh if e.projection is not None]
    return result


def needs_transaction(entries: list[JournalEntry], project: bool = True) -> bool:
    """True when write_batch writes this batch with more than one statement (it starts or stops a broadcast)."""
    return project and any(e.projection is not None and e.projection.type in _BROADCASTS for e in entries)


def _summarise(fresh: list[tuple[int, JournalEntry]], result: BatchResult) -> None:
    """Count the events new to the journal (`fresh`: log id, entry) into `result`."""
    if not fresh:
        return
    result.journaled = len(fresh)
    result.errors = sum(1 for _, e in fresh if e.error)
    result.max_log_id = max(log_id for log_id, _ in fresh)
    result.last_event_at = max(e.event_time for _, e in fresh)
    for _, e in fresh:
        if e.error:
            log.warning("event %s (%s) kept in the journal with an error: %s", e.event_id, e.method, e.error)


def _write_with_tracker(
    session: Session, broadcaster: str, entries: list[JournalEntry], cursor: str | None, merge_minutes: int
) -> BatchResult:
    """write_batch for a batch with broadcastStart/Stop: the session tracker runs between the statements."""
    result = BatchResult()
    live: _Live | None = None
    params = {"broadcaster": broadcaster, "rows": _journal_rows(entries), "live": SessionStatus.LIVE.value}
    inserted: dict[str, int] = {}
    for log_id, event_id, live_id, live_started in session.execute(_JOURNAL_INSERT, params):
        inserted[event_id] = log_id
        if live_id is not None:
            live = _Live(live_id, live_started)
    fresh = [(inserted[e.event_id], e) for e in entries if e.event_id in inserted]
    rows = _NO_ROWS
    note: str | None = None
    if fresh:
        _summarise(fresh, result)
        rows = _project(session, broadcaster, [e for _, e in fresh if e.projection is not None],
                        merge_minutes, live, result)
        # The same payload notify() would send.
        note = json.dumps({"broadcaster": broadcaster, "count": result.journaled, "max_id": result.max_log_id})
    session.execute(_FINISH, {"rows": rows, "source": SOURCE, "broadcaster": broadcaster, "cursor": cursor,
                              "channel": CHANNEL_EVENTS, "notify": note})
    return result


@dataclass(frozen=True)
class _Live:
    id: int
    started_at: datetime


def _link(live: _Live | None, when: datetime) -> int | None:
    """SessionTracker.link, for a batch that neither starts nor stops a broadcast."""
    return live.id if live is not None and live.started_at <= when else None


def _project(
    session: Session,
    broadcaster: str,
    entries: list[JournalEntry],
    merge_minutes: int,
    live: _Live | None,
    result: BatchResult,
) -> str:
    """Resolve persons and sessions for `entries`; the interactions to insert, as one JSON array."""
    if not entries:
        return _NO_ROWS
    seen: dict[str, tuple[datetime, datetime]] = {}  # each person's earliest and latest event in the batch
    broadcasts = False
    for e in entries:
        p = e.projection
        assert p is not None
        when = e.event_time
        span = seen.get(p.username)
        if span is None:
            seen[p.username] = (when, when)
        elif when < span[0]:
            seen[p.username] = (when, span[1])
        elif when > span[1]:
            seen[p.username] = (span[0], when)
        broadcasts = broadcasts or p.type in _BROADCASTS
    ids = {name: str(pid) for name, pid in persons.ensure_persons(session, seen).items()}
    # Start/stop events open and close sessions as they come: the tracker (which reads the LIVE session
    # itself) handles those batches; any other batch only links to the LIVE session read above.
    tracker = SessionTracker(session, broadcaster, merge_minutes) if broadcasts else None
    out: list[dict[str, Any]] = []
    for e in entries:  # in feed order, so start -> chat -> stop links each event correctly
        p = e.projection
        assert p is not None
        if tracker is None:
            sid = _link(live, e.event_time)
        elif p.type == _START:
            sid = tracker.broadcast_start(e.event_time)
        elif p.type == _STOP:
            sid = tracker.broadcast_stop(e.event_time)
        else:
            sid = tracker.link(e.event_time)
        ts = e.event_time.isoformat()
        out.append({"person_id": ids[p.username], "sid": sid, "type": p.type, "content": p.content, "ts": ts,
                    "meta": p.metadata, "event_id": e.event_id})
        result.linked.append((e, sid))
    result.sessions_changed = tracker is not None and tracker.changed
    return dumps(out)


def _describe(e: JournalEntry, sid: int | None) -> dict[str, Any]:
    p = e.projection
    assert p is not None
    meta = p.metadata
    out: dict[str, Any] = {
        "event_id": e.event_id, "method": e.method, "type": p.type, "username": p.username,
        "content": p.content, "event_time": e.event_time.isoformat(), "session_id": sid,
    }
    for key in ("tokens", "is_anon", "direction", "media"):
        if key in meta:
            out[key] = meta[key]
    return out
