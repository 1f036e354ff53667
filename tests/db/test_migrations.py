"""The schema: migrations go up and down on an empty database and match the ORM models."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from mhc_core.db import migrate, schema
from mhc_core.db.engine import make_engine
from mhc_core.db.models import SEEDED_WATCHLISTS, Base
from tests import db_support


def test_upgrade_downgrade_upgrade_on_an_empty_database(admin_database_url: str) -> None:
    url = db_support.create_database(admin_database_url)
    engine = make_engine(url)
    try:
        assert migrate.status(engine).current is None
        assert migrate.upgrade(engine).up_to_date
        tables = set(inspect(engine).get_table_names())
        assert {"persons", "person_aliases", "snapshots", "interactions", "stream_sessions", "attributes",
                "watchlists", "watchlist_members", "event_log", "listener_state"} <= tables
        with engine.connect() as conn:
            names = [r[0] for r in conn.execute(text("SELECT name FROM watchlists ORDER BY id"))]
        assert names == list(SEEDED_WATCHLISTS)

        down = migrate.downgrade(engine, "base")
        assert down.current is None
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}

        assert migrate.upgrade(engine).current == migrate.head_revision()
    finally:
        engine.dispose()
        db_support.drop_database(admin_database_url, url)


def test_models_match_the_migrated_schema(db) -> None:
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
    assert diff == []


def test_upgrade_twice_is_a_no_op(db) -> None:
    before = migrate.status(db.engine)
    after = migrate.upgrade(db.engine)
    assert before.current == after.current == migrate.head_revision()
    assert after.pending == []


def test_the_packaged_head_is_alembics_head() -> None:
    assert schema.HEAD_REVISION == migrate.head_revision()


def test_the_schema_check_tells_a_current_database_from_a_stale_one(admin_database_url: str) -> None:
    url = db_support.create_database(admin_database_url)
    engine = make_engine(url)
    try:
        assert schema.current_revision(engine) is None
        migrate.upgrade(engine, "0003")
        assert not schema.is_current(engine)
        assert migrate.upgrade(engine).current == schema.HEAD_REVISION
        assert schema.is_current(engine)
    finally:
        engine.dispose()
        db_support.drop_database(admin_database_url, url)
