"""Finding a real Postgres for the tests, and giving each run a fresh database that is dropped afterwards."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import psycopg
from psycopg import sql
from sqlalchemy.engine import make_url

LOCAL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def _psycopg_conninfo(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _answers(url: str) -> bool:
    try:
        with psycopg.connect(_psycopg_conninfo(url), connect_timeout=3):
            return True
    except psycopg.Error:
        return False


def admin_url(tmp_root: Path) -> str:
    """MHC_TEST_DATABASE_URL, else the local server if it answers, else an embedded one under tmp_root."""
    configured = os.environ.get("MHC_TEST_DATABASE_URL")
    if configured:
        return configured
    if _answers(LOCAL):
        return LOCAL
    from mhc_core.db.embedded import start_embedded

    return str(make_url(start_embedded(tmp_root / "embedded")).set(database="postgres"))


def create_database(admin: str) -> str:
    name = f"mhc_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(_psycopg_conninfo(admin), autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return str(make_url(admin).set(database=name, drivername="postgresql+psycopg").render_as_string(hide_password=False))


def drop_database(admin: str, url: str) -> None:
    name = make_url(url).database
    with psycopg.connect(_psycopg_conninfo(admin), autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
