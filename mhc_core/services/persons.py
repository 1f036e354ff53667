"""Persons: find-or-create by username, lookup by any name they have had, renames, exclusion."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime

from sqlalchemy import or_, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from mhc_core.channels import EXCLUDED, RENAMED
from mhc_core.db.models import EXCLUDED_LIST, Person, PersonAlias, Role, Watchlist, WatchlistMember
from mhc_core.db.notify import person_changed
from mhc_core.username import (
    InvalidUsername as InvalidUsername,  # what persons' functions raise for a bad name
)
from mhc_core.username import is_username, require_username

PLATFORM = "chaturbate"
# Accounts that are never counted: excluded on creation and put on the Excluded list.
EXCLUDED_ON_CREATION = frozenset({"smk_lover"})


def merge_role(current: str, found: str) -> str:
    """A person seen both as a model and as a viewer is BOTH; UNKNOWN never overrides knowledge."""
    if found == Role.UNKNOWN or current == found:
        return current
    if current == Role.UNKNOWN:
        return found
    return Role.BOTH.value


def find_person(session: Session, username: str) -> Person | None:
    """By current username first, then by any past alias (the most recent holder of that name)."""
    name = require_username(username)
    person = session.scalar(select(Person).where(Person.platform == PLATFORM, Person.username == name))
    if person is not None:
        return person
    return session.scalar(
        select(Person)
        .join(PersonAlias, PersonAlias.person_id == Person.id)
        .where(PersonAlias.platform == PLATFORM, PersonAlias.username == name)
        .order_by(PersonAlias.valid_from.desc())
        .limit(1)
    )


def get_person(session: Session, person_id: uuid.UUID) -> Person | None:
    return session.get(Person, person_id)


def usernames(session: Session, person_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, str]:
    """Current username by person id, for those of `person_ids` that exist, in one query."""
    wanted = list(person_ids)
    if not wanted:
        return {}
    return {pid: name for pid, name in session.execute(
        select(Person.id, Person.username).where(Person.id.in_(wanted))
    )}


def find_or_create(
    session: Session, username: str, *, role: str | None = None, seen_at: datetime | None = None
) -> Person:
    """The person with this name (current or past), created if new. Safe against concurrent creators."""
    name = require_username(username)
    person = find_person(session, name)
    if person is None:
        ids = ensure_persons(session, [name], seen_at=seen_at)
        person = session.get(Person, ids[name])
        assert person is not None
    if role is not None:
        person.role = merge_role(person.role, role)
    return person


def _sql_names(names: Iterable[str]) -> str:
    """Valid usernames as an SQL list of literals (they cannot contain quotes)."""
    listed = sorted(names)
    if not all(is_username(name) for name in listed):
        raise ValueError(f"not usernames: {listed!r}")
    return ", ".join(f"'{name}'" for name in listed)


# The find-or-create of persons as CTEs, for any statement to compose (see `persons_upsert_sql`): the one
# place that knows how a person is created. New persons get their alias row in the same statement, and an
# account in EXCLUDED_ON_CREATION is created excluded and put on the Excluded list (recreated if someone
# removed it); `first_seen_at` is set only on creation and `last_seen_at` only ever moves forward. Rows
# are inserted in name order, so two concurrent creators lock conflicting names in the same order.
# `xmax = 0` marks a row this statement inserted rather than updated. The CTEs cannot see each other's
# writes, hence the Excluded list's id taken from either the table or the insert; if neither has it (the
# list was recreated by a concurrent transaction), the NOT NULL watchlist_id fails the statement, and a
# retry sees the list.
assert "'" not in EXCLUDED_LIST and "'" not in PLATFORM
_PERSONS_UPSERT = f"""
    persons_up AS (
        INSERT INTO persons (username, platform, first_seen_at, last_seen_at, is_excluded)
        SELECT s.u, '{PLATFORM}', s.f, s.l, s.u IN ({_sql_names(EXCLUDED_ON_CREATION)})
        FROM {{seen}} AS s ORDER BY s.u
        ON CONFLICT (platform, username)
        DO UPDATE SET last_seen_at = greatest(persons.last_seen_at, EXCLUDED.last_seen_at)
        RETURNING id, username, first_seen_at, (xmax = 0) AS inserted
    ), persons_alias AS (
        INSERT INTO person_aliases (person_id, username, platform, valid_from)
        SELECT up.id, up.username, '{PLATFORM}', up.first_seen_at FROM persons_up AS up WHERE up.inserted
    ), persons_new_excluded AS (
        SELECT up.id FROM persons_up AS up
        WHERE up.inserted AND up.username IN ({_sql_names(EXCLUDED_ON_CREATION)})
    ), persons_excluded_list AS (
        INSERT INTO watchlists (name, is_system)
        SELECT '{EXCLUDED_LIST}', true
        WHERE EXISTS (SELECT FROM persons_new_excluded)
          AND NOT EXISTS (SELECT FROM watchlists WHERE name = '{EXCLUDED_LIST}')
        ON CONFLICT DO NOTHING
        RETURNING id
    ), persons_excluded AS (
        INSERT INTO watchlist_members (watchlist_id, person_id)
        SELECT coalesce((SELECT id FROM watchlists WHERE name = '{EXCLUDED_LIST}'),
                        (SELECT id FROM persons_excluded_list)), e.id
        FROM persons_new_excluded AS e
        ON CONFLICT DO NOTHING
    )"""


def persons_upsert_sql(seen: str) -> str:
    """CTEs (to follow ``WITH`` or a comma) that find or create the persons named in relation `seen`.

    `seen` has one row per (normalised, distinct) username: ``u`` text, ``f`` and ``l`` timestamptz,
    first and last seen. Defines ``persons_up(id, username, first_seen_at, inserted)``, one
    row per name; every other CTE it defines starts with ``persons_``. No parameters.
    """
    return _PERSONS_UPSERT.replace("{seen}", seen)


# One constant statement (psycopg prepares it once) for any number of names: the names travel as one
# JSON array.
_ENSURE_PERSONS = text(
    "WITH seen AS (\n"
    "    SELECT x.u, x.f, x.l FROM jsonb_to_recordset(CAST(:rows AS jsonb)) AS x(u text, f timestamptz, l timestamptz)\n"
    "), " + persons_upsert_sql("seen") + "\nSELECT id, username FROM persons_up"
)

SeenTimes = tuple[datetime, datetime]


def ensure_persons(
    session: Session,
    usernames: Iterable[str] | Mapping[str, SeenTimes],
    *,
    seen_at: datetime | None = None,
) -> dict[str, uuid.UUID]:
    """Bulk find-or-create by current username, moving `last_seen_at` forward. Returns name -> id.

    `usernames` is either names (all seen at `seen_at`, default now) or a mapping name ->
    (first seen, last seen), e.g. a person's earliest and latest event in a batch: a new person is
    created with those as `first_seen_at` / `last_seen_at` (and an alias valid from the first); a
    known one only has `last_seen_at` moved forward. One round trip for the whole set, so capture
    resolves a batch of events at once.
    """
    seen: dict[str, list[datetime]] = {}
    if isinstance(usernames, Mapping):
        for raw, (first, last) in usernames.items():
            _merge_seen(seen, require_username(raw), first, last)
    else:
        now = seen_at or datetime.now(UTC)
        for raw in usernames:
            _merge_seen(seen, require_username(raw), now, now)
    if not seen:
        return {}
    payload = json.dumps(
        [{"u": name, "f": first.isoformat(), "l": last.isoformat()} for name, (first, last) in seen.items()],
        separators=(",", ":"),
    )
    return {name: pid for pid, name in session.execute(_ENSURE_PERSONS, {"rows": payload})}


def _merge_seen(seen: dict[str, list[datetime]], name: str, first: datetime, last: datetime) -> None:
    known = seen.get(name)
    if known is None:
        seen[name] = [min(first, last), max(first, last)]
    else:
        known[0] = min(known[0], first, last)
        known[1] = max(known[1], first, last)


def _excluded_list_id(session: Session) -> int:
    list_id = session.scalar(select(Watchlist.id).where(Watchlist.name == EXCLUDED_LIST))
    if list_id is None:  # the migration seeds it; recreate if someone removed it
        list_id = session.scalar(
            insert(Watchlist).values(name=EXCLUDED_LIST, is_system=True)
            .on_conflict_do_nothing().returning(Watchlist.id)
        ) or session.scalar(select(Watchlist.id).where(Watchlist.name == EXCLUDED_LIST))
    assert list_id is not None
    return list_id


def _put_on_excluded_list(session: Session, person_ids: list[uuid.UUID]) -> None:
    list_id = _excluded_list_id(session)
    session.execute(
        insert(WatchlistMember)
        .values([{"watchlist_id": list_id, "person_id": pid} for pid in person_ids])
        .on_conflict_do_nothing()
    )


def set_excluded(session: Session, person: Person, excluded: bool) -> None:
    """Exclusion and membership of the Excluded list are one fact, kept together."""
    person.is_excluded = excluded
    person.updated_at = datetime.now(UTC)
    if excluded:
        _put_on_excluded_list(session, [person.id])
    else:
        session.query(WatchlistMember).filter_by(
            watchlist_id=_excluded_list_id(session), person_id=person.id
        ).delete()
    session.flush()
    person_changed(session, person.id, EXCLUDED)


def rename(session: Session, person: Person, new_username: str, *, at: datetime | None = None) -> None:
    """Record that `person` is now called `new_username`; the old name stays as a closed alias."""
    name = require_username(new_username)
    if person.username == name:
        return
    when = at or datetime.now(UTC)
    session.execute(
        update(PersonAlias)
        .where(PersonAlias.person_id == person.id, PersonAlias.valid_to.is_(None))
        .values(valid_to=when)
    )
    session.add(PersonAlias(person_id=person.id, username=name, platform=PLATFORM, valid_from=when))
    person.username = name
    person.updated_at = when
    session.flush()
    person_changed(session, person.id, RENAMED)


def find_by_external_id(session: Session, *, did: int | None = None, rid: int | None = None) -> Person | None:
    conditions = []
    if did is not None:
        conditions.append(Person.did == did)
    if rid is not None:
        conditions.append(Person.rid == rid)
    if not conditions:
        return None
    return session.scalar(select(Person).where(Person.platform == PLATFORM, or_(*conditions)).limit(1))


def known_usernames(session: Session, prefix: str = "", limit: int = 20) -> list[str]:
    """Current names and aliases starting with `prefix`, for completion."""
    prefix = prefix.strip().lower().removeprefix("@")
    pattern = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    names = select(Person.username.label("u")).where(Person.username.like(pattern)).union(
        select(PersonAlias.username.label("u")).where(PersonAlias.username.like(pattern))
    ).subquery()
    return list(session.scalars(select(names.c.u).order_by(names.c.u).limit(limit)))
