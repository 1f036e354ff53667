"""Transcript import: a pasted Chaturbate chat transcript stored into one stream session, idempotently.

Every line read is one CHAT_IMPORT interaction (source ``transcript``) of the person it names; its
metadata says what it was (``kind``: chat, tip, tip_menu, enter, leave, follow, unfollow, pm_notice,
leaderboard, subject, notice). A subject change and an unknown notice name nobody: they are the
broadcaster's. The session's figures never count these rows (they count TIP_EVENT and CHAT_MESSAGE):
what the capture recorded stays the truth.

Idempotence without a schema change: each stored entry gets a deterministic event_id,
``transcript:<session id>:<sha256 hex>`` over the normalised line (whitespace runs folded to one space),
its occurrence number among identical lines of the paste and its entry number within the line (a
leaderboard notice names several people), and is inserted ON CONFLICT (event_id) DO NOTHING. The same
paste imported again adds nothing; a paste that repeats a line keeps every repeat.

Lines carry no time: the n-th stored entry (n from 1, in paste order) is timestamped at the session's
start plus n microseconds, so the transcript keeps the paste's order and sorts before the capture's own
rows of the same moment only by a hair.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from mhc_core.db.models import Interaction, InteractionSource, InteractionType, StreamSession
from mhc_core.extract import TranscriptLine, read_transcript
from mhc_core.services import persons

# How many unreadable lines an import reports word for word (the count is always whole).
UNREADABLE_SHOWN = 5

# Rows per INSERT: 8 parameters each, well under Postgres's 65,535 per statement.
_BATCH = 2_000

# extract.py's kinds in the words an import stores.
_KIND = {
    "join": "enter",
    "leave": "leave",
    "tip": "tip",
    "tip_menu": "tip_menu",
    "subject": "subject",
    "follow": "follow",
    "unfollow": "unfollow",
    "leaderboard": "leaderboard",
    "private_message": "pm_notice",
    "chat": "chat",
}


@dataclass(frozen=True)
class ImportOutcome:
    imported: int
    duplicates: int
    unreadable: int
    unreadable_lines: list[str]  # the first UNREADABLE_SHOWN, as pasted
    persons: list[str]  # distinct usernames the transcript names, first-seen order


@dataclass(frozen=True)
class _Entry:
    username: str  # the person the row belongs to
    named: bool  # the line names this person (a subject or unknown notice does not)
    content: str
    meta: dict[str, Any]
    key: str  # what the event_id is hashed from


def normalised(raw: str) -> str:
    """A line as compared for duplicates: whitespace runs (Unicode spaces too) folded to one space."""
    return " ".join(raw.split())


def event_id(session_id: int, key: str) -> str:
    return f"transcript:{session_id}:{hashlib.sha256(key.encode('utf-8')).hexdigest()}"


def _entry_meta(line: TranscriptLine) -> dict[str, Any]:
    meta: dict[str, Any] = {"kind": _KIND[line.kind]}
    if line.tokens is not None:
        meta["tokens"] = line.tokens
    if line.text is not None:
        key = {"tip": "note", "tip_menu": "item", "subject": "subject"}.get(line.kind)
        if key is not None:
            meta[key] = line.text
    return meta


def _entries(text: str, broadcaster: str) -> tuple[list[_Entry], list[str]]:
    entries: list[_Entry] = []
    unreadable: list[str] = []
    seen: Counter[str] = Counter()
    for row in read_transcript(text):
        line_key = normalised(row.raw)
        seen[line_key] += 1
        occurrence = seen[line_key]
        if not row.entries:
            if not row.notice:
                unreadable.append(row.raw)
                continue
            entries.append(_Entry(broadcaster, False, row.raw, {"kind": "notice"}, f"{occurrence}\n0\n{line_key}"))
            continue
        for number, line in enumerate(row.entries):
            meta = _entry_meta(line)
            # A chat line's words are the message (what search finds); any other line is kept whole.
            content = line.text if line.kind == "chat" and line.text is not None else row.raw
            entries.append(_Entry(line.username or broadcaster, line.username is not None, content, meta,
                                  f"{occurrence}\n{number}\n{line_key}"))
    return entries, unreadable


def import_transcript(session: Session, stream_session: StreamSession, text: str) -> ImportOutcome:
    """Store `text` (already checked to be storable text) into `stream_session`; see the module docstring."""
    entries, unreadable = _entries(text, stream_session.broadcaster)
    named = list(dict.fromkeys(e.username for e in entries if e.named))
    imported = 0
    if entries:
        start = stream_session.started_at
        last = start + timedelta(microseconds=len(entries))
        # Persons are created as a lookup creates them; anyone known is found by any name they have had.
        ids = {}
        for name in dict.fromkeys(e.username for e in entries):
            ids[name] = persons.find_or_create(session, name, seen_at=last).id
        rows = [
            {
                "person_id": ids[e.username],
                "stream_session_id": stream_session.id,
                "type": InteractionType.CHAT_IMPORT.value,
                "content": e.content,
                "timestamp": start + timedelta(microseconds=n),
                "source": InteractionSource.TRANSCRIPT.value,
                "meta": e.meta,
                "event_id": event_id(stream_session.id, e.key),
            }
            for n, e in enumerate(entries, 1)
        ]
        for at in range(0, len(rows), _BATCH):
            inserted = session.execute(
                insert(Interaction).values(rows[at:at + _BATCH])
                .on_conflict_do_nothing(index_elements=["event_id"]).returning(Interaction.id)
            ).all()
            imported += len(inserted)
    return ImportOutcome(imported=imported, duplicates=len(entries) - imported, unreadable=len(unreadable),
                         unreadable_lines=unreadable[:UNREADABLE_SHOWN], persons=named)
