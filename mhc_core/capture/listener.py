"""The journaled write of one batch of events: journal, persons, interactions, sessions and cursor, at once.

`write_batch` runs inside the caller's transaction. Only events the journal did not already hold are
projected, so a replayed batch (after a restart, a retry, or a second capturer) stores nothing twice.
Every batch is written by one statement (`_WRITE`: journal, persons, interactions, cursor, NOTIFY) with
constant text, its rows travelling as one JSON array. A batch that starts or stops a broadcast has one
step more before it: its events are journaled first, so that the session tracker opens and closes
sessions for the broadcasts new to the journal only and links each new event as of its place in the feed;
the statement then projects those events with the sessions the tracker gave them.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import psycopg
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from mhc_core.capture.projection import SOURCE, JournalEntry, dumps, projection_json, storable_str
from mhc_core.capture.sessions_auto import SessionTracker
from mhc_core.db.models import InteractionType, ListenerState, SessionStatus
from mhc_core.db.notify import CHANNEL_EVENTS
from mhc_core.formats import error_reason
from mhc_core.services import persons

log = logging.getLogger(__name__)

# The rows of a batch, unpacked server-side in feed order: each is a journal row (see JournalEntry.row_json)
# with "p" (the projection) when the event has one; after the tracker step, only what projecting needs:
# "event_id", "event_time", "p", and the "log_id" and "sid" the step found.
_ROWS = """
    r AS (
        SELECT doc, n FROM jsonb_array_elements(CAST(:rows AS jsonb)) WITH ORDINALITY AS x(doc, n)
    )"""
# The journal insert: the rows new to the journal come back with their id. Skipped when :journaled (the
# tracker step has journaled the rows already and they carry their "log_id").
_JOURNAL = """
    j AS (
        INSERT INTO event_log (event_id, broadcaster, method, payload, raw, event_time, received_at, error)
        SELECT r.doc->>'event_id', :broadcaster, r.doc->>'method', r.doc->'payload', r.doc->>'raw',
               (r.doc->>'event_time')::timestamptz, (r.doc->>'received_at')::timestamptz, r.doc->>'error'
        FROM r WHERE NOT CAST(:journaled AS boolean) ORDER BY r.n
        ON CONFLICT (event_id) DO NOTHING
        RETURNING id, event_id
    )"""
# The tracker step's first round trip: only the journal insert.
_JOURNAL_FIRST = text("WITH" + _ROWS + "," + _JOURNAL + "\nSELECT id, event_id FROM j")
# Every batch: for the rows new to the journal only, the persons (composed from services/persons.py), the
# interactions, the cursor, and one NOTIFY when something new was journaled (the payload notify() would
# send, queued once, on the first row returned). An interaction goes to the session the tracker gave it
# ("sid", null for none) or else to the LIVE session read at the start of the batch, when it started
# before the event. Persons and interactions only when :project. Returns one row per event new to the
# journal, with the session its interaction was linked to.
_WRITE = text(
    "WITH" + _ROWS + "," + _JOURNAL + """, fresh AS (
        SELECT id, event_id FROM j
        UNION ALL
        SELECT (r.doc->>'log_id')::bigint, r.doc->>'event_id' FROM r WHERE CAST(:journaled AS boolean)
    ), p AS (
        SELECT r.n, f.event_id, r.doc->'p' AS p, (r.doc->>'event_time')::timestamptz AS ts,
               r.doc ? 'sid' AS tracked, (r.doc->>'sid')::bigint AS sid
        FROM r JOIN fresh AS f ON f.event_id = r.doc->>'event_id'
        WHERE CAST(:project AS boolean) AND r.doc ? 'p'
    ), seen AS (
        SELECT p.p->>'u' AS u, min(p.ts) AS f, max(p.ts) AS l FROM p GROUP BY 1
    ), """ + persons.persons_upsert_sql("seen") + """, live AS (
        SELECT id, started_at FROM stream_sessions WHERE broadcaster = :broadcaster AND status = :live
    ), i AS (
        INSERT INTO interactions (person_id, stream_session_id, type, content, timestamp, source, metadata,
                                  event_id)
        SELECT up.id, CASE WHEN p.tracked THEN p.sid WHEN live.started_at <= p.ts THEN live.id END,
               p.p->>'type', p.p->>'content', p.ts, :source, p.p->'meta', p.event_id
        FROM p JOIN persons_up AS up ON up.username = p.p->>'u' LEFT JOIN live ON true
        ORDER BY p.n
        RETURNING event_id, stream_session_id
    ), c AS (
        INSERT INTO listener_state (broadcaster, cursor, updated_at) VALUES (:broadcaster, :cursor, now())
        ON CONFLICT (broadcaster) DO UPDATE SET cursor = EXCLUDED.cursor, updated_at = EXCLUDED.updated_at
    )
    SELECT f.id, f.event_id, i.stream_session_id,
           CASE WHEN row_number() OVER () = 1 THEN pg_notify(:channel, format(
               '{"broadcaster": %s, "count": %s, "max_id": %s}',
               to_json(CAST(:broadcaster AS text)), count(*) OVER (), max(f.id) OVER ())) END
    FROM fresh AS f LEFT JOIN i ON i.event_id = f.event_id
    """
)
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
    then the journal insert and the session tracker's own before it; plus a savepoint around it all.
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
                    len(entries), error_reason(exc))
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
            reason = error_reason(exc)
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
    """The one write path: the tracker step when the batch starts or stops a broadcast, then `_WRITE`."""
    result = BatchResult()
    rows, journaled = _journal_rows(entries), False
    if needs_transaction(entries, project):
        rows, result.sessions_changed = _track_sessions(session, broadcaster, entries, rows, merge_minutes)
        journaled = True
    params = {"rows": rows, "journaled": journaled, "project": project, "broadcaster": broadcaster,
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


def _track_sessions(
    session: Session, broadcaster: str, entries: list[JournalEntry], rows: str, merge_minutes: int
) -> tuple[str, bool]:
    """The tracker step: journal the batch first, then, in feed order (start -> chat -> stop), open and close
    sessions for its broadcasts new to the journal and give each event new to the journal its session.

    Returns the rows new to the journal for `_WRITE` (each with its "log_id" and "sid"), and whether a
    session was opened or closed."""
    log_ids = {event_id: log_id for log_id, event_id in session.execute(
        _JOURNAL_FIRST, {"rows": rows, "broadcaster": broadcaster, "journaled": False})}
    if not log_ids:
        return "[]", False
    tracker = SessionTracker(session, broadcaster, merge_minutes)
    linked = []
    for e in entries:
        log_id = log_ids.get(e.event_id)
        if log_id is None:
            continue  # the journal already held it: it was projected when it was first written
        p = e.projection
        if p is None:
            sid = None
        elif p.type == _START:
            sid = tracker.broadcast_start(e.event_time)
        elif p.type == _STOP:
            sid = tracker.broadcast_stop(e.event_time)
        else:
            sid = tracker.link(e.event_time)
        projected = "" if p is None else f',"p":{projection_json(p)}'
        linked.append(f'{{"event_id":{dumps(e.event_id)},"event_time":"{e.event_time.isoformat()}",'
                      f'"log_id":{log_id},"sid":{"null" if sid is None else sid}{projected}}}')
    return "[" + ",".join(linked) + "]", tracker.changed


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
