"""The journaled write of one batch of events: journal, persons, interactions, sessions and cursor, at once.

`write_batch` runs inside the caller's transaction. Only events the journal did not already hold are
projected, so a replayed batch (after a restart, a retry, or a second capturer) stores nothing twice.
Each table gets one round trip per batch (rows travel as one JSON array; see the statements below).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from mhc_core.capture.notify import CHANNEL_EVENTS, notify
from mhc_core.capture.projection import SOURCE, JournalEntry, dumps
from mhc_core.capture.sessions_auto import SessionTracker
from mhc_core.db.models import InteractionType, ListenerState
from mhc_core.services import persons

log = logging.getLogger(__name__)

# One statement per table per batch, with constant text (so psycopg prepares it once): the rows go as
# one JSON array (built from JSON we serialised once per event) and are unpacked server-side, in order.
_JOURNAL_INSERT = text(
    """
    INSERT INTO event_log (event_id, broadcaster, method, payload, event_time, received_at, error)
    SELECT r.doc->>'event_id', :broadcaster, r.doc->>'method', r.doc->'payload',
           (r.doc->>'event_time')::timestamptz, (r.doc->>'received_at')::timestamptz, r.doc->>'error'
    FROM jsonb_array_elements(CAST(:rows AS jsonb)) WITH ORDINALITY AS r(doc, n)
    ORDER BY r.n
    ON CONFLICT (event_id) DO NOTHING
    RETURNING id, event_id
    """
)
_INTERACTIONS_INSERT = text(
    """
    INSERT INTO interactions (person_id, stream_session_id, type, content, timestamp, source, metadata, event_id)
    SELECT (r.doc->>'person_id')::uuid, (r.doc->>'sid')::bigint, r.doc->>'type', r.doc->>'content',
           (r.doc->>'ts')::timestamptz, :source, r.doc->'meta', r.doc->>'event_id'
    FROM jsonb_array_elements(CAST(:rows AS jsonb)) WITH ORDINALITY AS r(doc, n)
    ORDER BY r.n
    """
)


def _journal_rows(entries: list[JournalEntry]) -> str:
    return "[" + ",".join(
        f'{{"event_id":{dumps(e.event_id)},"method":{dumps(e.method)},"payload":{e.payload_json},'
        f'"event_time":"{e.event_time.isoformat()}","received_at":"{e.received_at.isoformat()}",'
        f'"error":{dumps(e.error)}}}'
        for e in entries
    ) + "]"


@dataclass
class BatchResult:
    journaled: int = 0  # events new to the journal
    errors: int = 0  # of which were kept with an error (unknown, damaged, foreign)
    max_log_id: int | None = None
    last_event_at: datetime | None = None
    projected: list[dict[str, Any]] = field(default_factory=list)  # simple dicts for printers/feeds
    sessions_changed: bool = False


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
    seen: set[str] = set()
    out = []
    for entry in entries:
        if entry.event_id not in seen:
            seen.add(entry.event_id)
            out.append(entry)
    return out


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
    """
    result = BatchResult()
    entries = _unique(entries)
    fresh: list[tuple[int, JournalEntry]] = []
    if entries:
        params = {"broadcaster": broadcaster, "rows": _journal_rows(entries)}
        inserted = {event_id: log_id for log_id, event_id in session.execute(_JOURNAL_INSERT, params)}
        fresh = [(inserted[e.event_id], e) for e in entries if e.event_id in inserted]
    if fresh:
        result.journaled = len(fresh)
        result.errors = sum(1 for _, e in fresh if e.error)
        result.max_log_id = max(log_id for log_id, _ in fresh)
        result.last_event_at = max(e.event_time for _, e in fresh)
        for _, e in fresh:
            if e.error:
                log.warning("event %s (%s) kept in the journal with an error: %s", e.event_id, e.method, e.error)
        if project:
            _project(session, broadcaster, [e for _, e in fresh if e.projection is not None], merge_minutes, result)
    save_cursor(session, broadcaster, cursor)
    if fresh:
        notify(session, CHANNEL_EVENTS, {
            "broadcaster": broadcaster, "count": result.journaled, "max_id": result.max_log_id,
        })
    return result


def _project(
    session: Session, broadcaster: str, entries: list[JournalEntry], merge_minutes: int, result: BatchResult
) -> None:
    if not entries:
        return
    names = {e.projection.username for e in entries if e.projection is not None}
    person_ids = persons.ensure_persons(session, names, seen_at=max(e.event_time for e in entries))
    tracker = SessionTracker(session, broadcaster, merge_minutes)
    rows: list[dict[str, Any]] = []
    for e in entries:  # in feed order, so start -> chat -> stop links each event correctly
        p = e.projection
        assert p is not None
        if p.type == InteractionType.BROADCAST_START:
            sid = tracker.broadcast_start(e.event_time)
        elif p.type == InteractionType.BROADCAST_STOP:
            sid = tracker.broadcast_stop(e.event_time)
        else:
            sid = tracker.link(e.event_time)
        rows.append({"person_id": str(person_ids[p.username]), "sid": sid, "type": p.type, "content": p.content,
                     "ts": e.event_time.isoformat(), "meta": p.metadata, "event_id": e.event_id})
        result.projected.append(_describe(e, sid))
    session.execute(_INTERACTIONS_INSERT, {"rows": dumps(rows), "source": SOURCE})
    result.sessions_changed = tracker.changed


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
