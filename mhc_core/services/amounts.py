"""The one rule for reading an amount out of a stored row in SQL: a number where one is stored, else 0/none.

Events carry `tokens` in their metadata, and Stats API snapshots `num_viewers` in their metrics; a row
whose value is missing or not a number (a damaged event kept as received) counts as no tokens / no
reading rather than failing the query.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import ColumnClause, literal_column

# The Stats API's figure for how many are watching (mhc_core.clients.stats.STATS_KEYS).
VIEWERS_METRIC = "num_viewers"

# An interaction's tokens (tips, media purchases); 0 when it has none.
TOKENS: ColumnClause[Decimal] = literal_column(
    "CASE WHEN jsonb_typeof(interactions.metadata -> 'tokens') = 'number' "
    "THEN (interactions.metadata ->> 'tokens')::numeric ELSE 0 END"
)

# A snapshot's viewer count; NULL when it holds none.
VIEWERS: ColumnClause[Decimal] = literal_column(
    f"CASE WHEN jsonb_typeof(snapshots.normalized_metrics -> '{VIEWERS_METRIC}') = 'number' "
    f"THEN (snapshots.normalized_metrics ->> '{VIEWERS_METRIC}')::numeric END"
)

# A person's tips in this room, all time (captured events and pasted transcripts), in raw SQL: a LATERAL
# join on `p.id` giving `tipped.tokens` (NULL when he never tipped).
ROOM_TOKENS_LATERAL = """LEFT JOIN LATERAL (
    SELECT sum(CASE WHEN jsonb_typeof(i.metadata -> 'tokens') = 'number'
                    THEN (i.metadata ->> 'tokens')::numeric ELSE 0 END) AS tokens
    FROM interactions AS i
    WHERE i.person_id = p.id AND i.type = 'TIP_EVENT' AND i.source IN ('cb_events', 'transcript')
) AS tipped ON true"""
