"""Search: the one full-text query over what people wrote (chat, PMs, tip messages, imported lines) and notes.

It MUST use the very expression and predicate of the index `ix_interactions_content_fts` (migration
0005 and `Interaction.__table_args__` in mhc_core/db/models.py): `to_tsvector('simple'::regconfig,
content)` where `content IS NOT NULL AND type IN (<SEARCHABLE_TYPES>)`. Change one, change all three,
or Postgres reads the whole table. The predicate is literal SQL, not bound values: a prepared statement's
generic plan can only prove a partial index applies from constants.

The `simple` configuration neither stems nor drops stop words, so usernames and slang match as typed.
Every word must match (`websearch_to_tsquery`: "quoted phrases", `or`, `-word`); a name the parser
splits (bob_the_tipper) is a phrase. The last word also matches as a prefix while it is being typed
(`hudso` finds hudson) if it has MIN_PREFIX characters; a trailing space or a closing quote makes it whole.

Order is newest first (then the newest row). ts_rank is not computed: it would read every match's
vector only to be thrown away by that order.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Select, func, literal_column, select, text
from sqlalchemy.orm import Session

from mhc_core.data.search_views import SEARCHABLE_TYPES
from mhc_core.db.models import Interaction, Person

SIMPLE: ColumnElement[str] = literal_column("'simple'::regconfig")
# The indexed expression and the index's predicate, exactly (see the module docstring).
VECTOR = func.to_tsvector(SIMPLE, Interaction.content)
INDEX_PREDICATE = text(
    "interactions.content IS NOT NULL AND interactions.type IN ("
    + ", ".join(f"'{name}'" for name in SEARCHABLE_TYPES) + ")"
)
assert all(re.fullmatch("[A-Z_]+", name) for name in SEARCHABLE_TYPES)  # safe as SQL literals

# Controls are never search words, and Postgres refuses NUL in text.
_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f]")
# The last word, when the text ends in the middle of one: no quote, backslash or space inside (inside
# single quotes, to_tsquery gives every other character to the parser as text), ending in a letter or digit.
_LAST_WORD = re.compile(r"""[^\s"'\\]*[^\W_]$""")
_TRAILING_OR = re.compile(r"(?:^|\s)or\s*$", re.IGNORECASE)
# A shorter last word is matched whole: "a" or "hi" as a prefix would match most of what was ever said.
MIN_PREFIX = 3


def searchable(raw: str) -> bool:
    """The text has something to find: a letter or a digit (punctuation alone matches nothing)."""
    return any(ch.isalnum() for ch in raw)


def tsquery(raw: str) -> ColumnElement[object] | None:
    """The user's text as a tsquery, with bound parameters only; None when it has nothing to find."""
    said = _CONTROLS.sub(" ", raw)
    if not searchable(said):
        return None
    last = _LAST_WORD.search(said)
    if last is None or len(last.group()) < MIN_PREFIX or last.group().startswith("-") or said.count('"') % 2:
        # A whole or short last word, a word to leave out, or an unclosed "phrase": as written.
        return func.websearch_to_tsquery(SIMPLE, said)
    prefix = func.to_tsquery(SIMPLE, f"'{last.group()}':*")
    head = said[: last.start()]
    if not searchable(head):
        return prefix
    if _TRAILING_OR.search(head):
        return func.websearch_to_tsquery(SIMPLE, _TRAILING_OR.sub(" ", head)).op("||")(prefix)
    return func.websearch_to_tsquery(SIMPLE, head).op("&&")(prefix)


@dataclass(frozen=True)
class Hit:
    row: Interaction
    username: str
    excluded: bool


def statement(
    query: ColumnElement[object],
    *,
    person_id: uuid.UUID | None = None,
    types: Sequence[str] | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 50,
    offset: int = 0,
) -> Select[Interaction, str, bool]:
    """The search: rows whose content matches `query`, filtered, newest first, one page (`limit` rows).

    The matches are found first (a MATERIALIZED CTE), then ordered. Left to itself, with ORDER BY and
    LIMIT the planner walks ix_interactions_timestamp backwards testing every line, since it has no
    statistics for a partial index's expression and guesses that many lines match: fine for a common
    word, a read of the whole table for a rare one or none (0.65 s on 200,000 lines, against 4 ms
    through the index; 0.12 s for a prefix matching a quarter of them).
    """
    matched = select(Interaction.id, Interaction.timestamp).where(INDEX_PREDICATE, VECTOR.bool_op("@@")(query))
    if person_id is not None:
        matched = matched.where(Interaction.person_id == person_id)
    if types:
        matched = matched.where(Interaction.type.in_(list(types)))
    if since is not None:
        matched = matched.where(Interaction.timestamp >= since)
    if until is not None:
        matched = matched.where(Interaction.timestamp < until)
    found = matched.cte("matched").prefix_with("MATERIALIZED")
    # The page is cut from the matches alone; only its rows are then read whole, with their person.
    page = (
        select(found.c.id, found.c.timestamp)
        .order_by(found.c.timestamp.desc(), found.c.id.desc())
        .limit(limit)
        .offset(offset)
        .subquery("page")
    )
    return (
        select(Interaction, Person.username, Person.is_excluded)
        .join(page, page.c.id == Interaction.id)
        .join(Person, Person.id == Interaction.person_id)
        .order_by(page.c.timestamp.desc(), page.c.id.desc())
    )


def search(
    session: Session,
    raw: str,
    *,
    person_id: uuid.UUID | None = None,
    types: Sequence[str] | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[Hit], bool]:
    """Up to `limit` hits from `offset` on, and whether there are more past them."""
    query = tsquery(raw)
    if query is None:
        return [], False
    rows = session.execute(statement(query, person_id=person_id, types=types, since=since, until=until,
                                     limit=limit + 1, offset=offset)).all()
    return [Hit(row[0], row[1], row[2]) for row in rows[:limit]], len(rows) > limit
