"""Snapshots, interactions and the event journal are history: the database refuses to rewrite them."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from mhc_core.services import interactions, persons, snapshots


@pytest.fixture
def seeded(db):
    with db.session() as s:
        p = persons.find_or_create(s, "viewer_1")
        snapshots.append(s, p.id, "manual", {"x": 1}, {"x": 1})
        interactions.append(s, p.id, "MANUAL_NOTE", content="hello")
        s.execute(text(
            "INSERT INTO event_log (event_id, broadcaster, method, payload, event_time, received_at) "
            "VALUES ('1-0', 'hudson_cage', 'tip', '{}', now(), now())"
        ))
    return db


@pytest.mark.parametrize("table, assignment", [
    ("snapshots", "normalized_metrics = '{}'"),
    ("interactions", "content = 'rewritten'"),
    ("event_log", "error = 'x'"),
])
def test_update_is_rejected(seeded, table: str, assignment: str) -> None:
    with pytest.raises(DBAPIError, match="append-only"):
        with seeded.session() as s:
            s.execute(text(f"UPDATE {table} SET {assignment}"))


@pytest.mark.parametrize("table", ["snapshots", "interactions", "event_log"])
def test_delete_is_rejected(seeded, table: str) -> None:
    with pytest.raises(DBAPIError, match="append-only"):
        with seeded.session() as s:
            s.execute(text(f"DELETE FROM {table}"))
    with seeded.session() as s:
        assert s.execute(text(f"SELECT count(*) FROM {table}")).scalar() == 1


def test_inserts_still_work_after_a_rejected_change(seeded) -> None:
    with seeded.session() as s:
        p = persons.find_person(s, "viewer_1")
        interactions.append(s, p.id, "MANUAL_NOTE", content="second", timestamp=datetime.now(UTC))
        assert interactions.by_person(s, p.id).total == 2


@pytest.mark.parametrize("table", ["snapshots", "interactions", "event_log"])
def test_truncate_is_rejected(seeded, table: str) -> None:
    with pytest.raises(DBAPIError, match="append-only"):
        with seeded.session() as s:
            s.execute(text(f"TRUNCATE {table} CASCADE"))
    with seeded.session() as s:
        assert s.execute(text(f"SELECT count(*) FROM {table}")).scalar() == 1


def test_truncating_a_parent_table_cannot_reach_history(seeded) -> None:
    with pytest.raises(DBAPIError, match="append-only"):
        with seeded.session() as s:
            s.execute(text("TRUNCATE persons CASCADE"))
    with seeded.session() as s:
        assert s.execute(text("SELECT count(*) FROM interactions")).scalar() == 1
