"""Persons: one row per name, found by any name they ever had, exclusion kept with the Excluded list."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from mhc_core.db.models import Person, PersonAlias
from mhc_core.services import persons, watchlists


def test_find_or_create_lowercases_and_never_duplicates(db) -> None:
    with db.session() as s:
        a = persons.find_or_create(s, "  @Viewer_One ")
        b = persons.find_or_create(s, "viewer_one")
        assert a.id == b.id
        assert a.username == "viewer_one"
        assert s.scalar(select(func.count()).select_from(Person)) == 1
        assert [al.username for al in a.aliases] == ["viewer_one"]


def test_invalid_username_is_refused(db) -> None:
    with db.session() as s, pytest.raises(persons.InvalidUsername):
        persons.find_or_create(s, "not a name!")


def test_lookup_by_a_past_name_after_rename(db) -> None:
    with db.session() as s:
        p = persons.find_or_create(s, "old_name")
        persons.rename(s, p, "new_name", at=datetime.now(UTC) + timedelta(seconds=1))
    with db.session() as s:
        found = persons.find_person(s, "OLD_NAME")
        assert found is not None and found.username == "new_name"
        aliases = s.scalars(select(PersonAlias).where(PersonAlias.person_id == found.id)
                            .order_by(PersonAlias.valid_from)).all()
        assert [(a.username, a.valid_to is None) for a in aliases] == [("old_name", False), ("new_name", True)]


def test_smk_lover_is_excluded_on_creation_and_on_the_excluded_list(db) -> None:
    with db.session() as s:
        p = persons.find_or_create(s, "smk_lover")
        assert p.is_excluded
        assert watchlists.names_for(s, p.id) == ["Excluded"]
        other = persons.find_or_create(s, "someone_else")
        assert not other.is_excluded


def test_exclusion_and_excluded_list_move_together(db) -> None:
    with db.session() as s:
        p = persons.find_or_create(s, "viewer_2")
        excluded = watchlists.by_name(s, "Excluded")
        watchlists.set_member(s, excluded, p, True)
        assert p.is_excluded and "Excluded" in watchlists.names_for(s, p.id)
        persons.set_excluded(s, p, False)
        assert not p.is_excluded and watchlists.names_for(s, p.id) == []


def test_ensure_persons_moves_last_seen_forward_only(db) -> None:
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    with db.session() as s:
        ids = persons.ensure_persons(s, ["a_1", "B_2"], seen_at=t0)
        assert set(ids) == {"a_1", "b_2"}
        persons.ensure_persons(s, ["a_1"], seen_at=t0 + timedelta(hours=1))
        persons.ensure_persons(s, ["a_1"], seen_at=t0 - timedelta(hours=1))
        a = s.get(Person, ids["a_1"], populate_existing=True)
        assert a.last_seen_at == t0 + timedelta(hours=1)
        assert a.first_seen_at == t0
        assert s.scalar(select(func.count()).select_from(PersonAlias)) == 2


def test_known_usernames_completes_current_and_past_names(db) -> None:
    with db.session() as s:
        p = persons.find_or_create(s, "jazz_fan")
        persons.rename(s, p, "jazz_lover", at=datetime.now(UTC) + timedelta(seconds=1))
        persons.find_or_create(s, "rock_fan")
        assert persons.known_usernames(s, "jaz") == ["jazz_fan", "jazz_lover"]
        assert persons.known_usernames(s, "_") == []  # underscore is literal, not a wildcard


def test_merge_role() -> None:
    assert persons.merge_role("UNKNOWN", "MODEL") == "MODEL"
    assert persons.merge_role("MODEL", "VIEWER") == "BOTH"
    assert persons.merge_role("VIEWER", "UNKNOWN") == "VIEWER"
    assert persons.merge_role("BOTH", "MODEL") == "BOTH"


def test_ensure_persons_takes_each_persons_first_and_last_seen(db) -> None:
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    hour = timedelta(hours=1)
    with db.session() as s:
        ids = persons.ensure_persons(s, {"a_1": (t0, t0 + hour), "B_2": (t0 + 2 * hour, t0 + 3 * hour),
                                         "smk_lover": (t0, t0)})
        assert set(ids) == {"a_1", "b_2", "smk_lover"}
        a = s.get(Person, ids["a_1"])
        b = s.get(Person, ids["b_2"])
        assert (a.first_seen_at, a.last_seen_at, b.first_seen_at, b.last_seen_at) == (
            t0, t0 + hour, t0 + 2 * hour, t0 + 3 * hour)
        assert [(al.username, al.valid_from) for al in b.aliases] == [("b_2", t0 + 2 * hour)]
        excluded = s.get(Person, ids["smk_lover"])
        assert excluded.is_excluded and watchlists.names_for(s, excluded.id) == ["Excluded"]
        # Known persons: last_seen_at only moves forward, first_seen_at never changes, no new alias.
        again = persons.ensure_persons(s, {"a_1": (t0 - hour, t0 + 5 * hour), "b_2": (t0, t0)})
        assert again == {"a_1": ids["a_1"], "b_2": ids["b_2"]}
        a = s.get(Person, ids["a_1"], populate_existing=True)
        b = s.get(Person, ids["b_2"], populate_existing=True)
        assert (a.first_seen_at, a.last_seen_at, b.last_seen_at) == (t0, t0 + 5 * hour, t0 + 3 * hour)
        assert s.scalar(select(func.count()).select_from(PersonAlias)) == 3
        assert persons.ensure_persons(s, {}) == {}
