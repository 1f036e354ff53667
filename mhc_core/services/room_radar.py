"""What the room list shows of each person in the room beyond his arrival: what his memory and Statbate know.

One statement for everyone in the room at once, each person's figures read from his own rows through the
(person_id, ...) indexes, so its cost follows the room's size, not the database's:
- room tokens: every tip in the room (captured events and pasted room transcripts), all time;
- Statbate all-time: the newest `statbate_member` snapshot's `all_time_tokens` (None when he has no
  snapshot, or it does not say);
- lists: the names of the watchlists he is on, in the lists' order;
- has notes: any MANUAL_NOTE; muted: his alerts are muted.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import bindparam, text
from sqlalchemy.dialects.postgresql import ARRAY, UUID
from sqlalchemy.orm import Session

from mhc_core.services.amounts import ROOM_TOKENS_LATERAL

_FIGURES = text(f"""
SELECT p.id,
       coalesce(tipped.tokens, 0) AS room_tokens,
       sb.all_time AS statbate_all_time,
       coalesce(listed.names, ARRAY[]::text[]) AS lists,
       noted.yes IS NOT NULL AS has_notes,
       mute.person_id IS NOT NULL AS muted
FROM unnest(:ids) AS p(id)
{ROOM_TOKENS_LATERAL}
LEFT JOIN LATERAL (
    SELECT CASE WHEN jsonb_typeof(s.normalized_metrics -> 'all_time_tokens') = 'number'
                THEN (s.normalized_metrics ->> 'all_time_tokens')::numeric END AS all_time
    FROM snapshots AS s
    WHERE s.person_id = p.id AND s.source = 'statbate_member'
    ORDER BY s.captured_at DESC, s.id DESC LIMIT 1
) AS sb ON true
LEFT JOIN LATERAL (
    SELECT array_agg(w.name ORDER BY w.id) AS names
    FROM watchlist_members AS m JOIN watchlists AS w ON w.id = m.watchlist_id
    WHERE m.person_id = p.id
) AS listed ON true
LEFT JOIN LATERAL (
    SELECT 1 AS yes FROM interactions AS i
    WHERE i.person_id = p.id AND i.type = 'MANUAL_NOTE' LIMIT 1
) AS noted ON true
LEFT JOIN alert_mutes AS mute ON mute.person_id = p.id
""").bindparams(bindparam("ids", type_=ARRAY(UUID(as_uuid=True))))


@dataclass(frozen=True, slots=True)
class RadarFigures:
    room_tokens: int
    statbate_all_time: int | None
    lists: tuple[str, ...]
    has_notes: bool
    muted: bool


NOTHING_KNOWN = RadarFigures(room_tokens=0, statbate_all_time=None, lists=(), has_notes=False, muted=False)


def figures(session: Session, person_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, RadarFigures]:
    """Each of `person_ids` with his figures, in one query (none for an empty room)."""
    if not person_ids:
        return {}
    rows = session.execute(_FIGURES, {"ids": list(person_ids)})
    return {
        r.id: RadarFigures(
            room_tokens=int(r.room_tokens),
            statbate_all_time=None if r.statbate_all_time is None else int(r.statbate_all_time),
            lists=tuple(r.lists), has_notes=r.has_notes, muted=r.muted,
        )
        for r in rows
    }
