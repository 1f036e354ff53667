"""Shared fixtures: a real Postgres database per run, a clean schema per test, isolated settings."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from keyring.backends import fail
from sqlalchemy import text

from mhc_core.config import Settings
from mhc_core.db import Database, migrate, open_database
from mhc_core.db.models import SEEDED_WATCHLISTS
from tests import db_support
from tests.fakes.fixtures import *  # noqa: F403 - the fake APIs' fixtures

# A loaded 2-core CI machine makes input generation look slow; that is not a failure of the code.
hypothesis_settings.register_profile("mhc", deadline=None, suppress_health_check=[HealthCheck.too_slow])
hypothesis_settings.load_profile("mhc")

TABLES = (
    "alerts", "alert_mutes", "inbox_acknowledgements", "radar_state", "watchlist_members", "attributes", "interactions", "snapshots", "person_aliases", "event_log",
    "listener_state", "stream_sessions", "persons", "watchlists", "capture_heartbeat",
)


@pytest.fixture(autouse=True)
def _isolated_environment(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test reads the developer's own MHC_* variables, .env or config.toml."""
    for key in list(os.environ):
        if key.startswith("MHC_") and key != "MHC_TEST_DATABASE_URL":
            monkeypatch.delenv(key)
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("XDG_STATE_HOME", str(home / "state"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / "cache"))
    monkeypatch.chdir(home)
    # Nor the system keyring: a test that wants one sets tests/keyring_backend.py's.
    monkeypatch.delenv("PYTHON_KEYRING_BACKEND", raising=False)
    keyring.set_keyring(fail.Keyring())


@pytest.fixture(scope="session")
def admin_database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    return db_support.admin_url(tmp_path_factory.mktemp("pg"))


@pytest.fixture(scope="session")
def database_url(admin_database_url: str) -> Iterator[str]:
    """A fresh database for this run, migrated to head, dropped at the end."""
    url = db_support.create_database(admin_database_url)
    try:
        yield url
    finally:
        db_support.drop_database(admin_database_url, url)


@pytest.fixture(scope="session")
def _migrated(database_url: str) -> Iterator[Database]:
    db = open_database(Settings(database_url=database_url))
    migrate.upgrade(db.engine)
    yield db
    db.dispose()


def reset(db: Database) -> None:
    """Empty every table between tests.

    The append-only tables refuse TRUNCATE through ordinary triggers; replica mode skips those for this
    transaction only (setting it needs a superuser, which the tests connect as).
    """
    with db.engine.begin() as conn:
        conn.execute(text("SET LOCAL session_replication_role = replica"))
        conn.execute(text(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE"))
        for name in SEEDED_WATCHLISTS:
            conn.execute(text("INSERT INTO watchlists (name, is_system) VALUES (:n, true)"), {"n": name})


@pytest.fixture
def db(_migrated: Database) -> Database:
    reset(_migrated)
    return _migrated


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(database_url=database_url, log_dir=tmp_path / "logs", data_dir=tmp_path / "data")


@pytest.fixture
def cli_env(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Environment for running `mhc` against the test database."""
    monkeypatch.setenv("MHC_DATABASE_URL", database_url)
    monkeypatch.setenv("MHC_LOG_DIR", str(tmp_path / "logs"))
    return {"MHC_DATABASE_URL": database_url, "MHC_LOG_DIR": str(tmp_path / "logs")}
