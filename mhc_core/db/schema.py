"""The schema revision this code is written for, and the one query that tells whether a database has it.

Every command checks the schema before it reads or writes; with this check Alembic is loaded only when
there is an upgrade to run.
"""

from __future__ import annotations

from psycopg import errors
from sqlalchemy import Engine, text
from sqlalchemy.exc import ProgrammingError

# The newest migration in migrations/versions; a test holds it equal to Alembic's head.
HEAD_REVISION = "0006"


def current_revision(engine: Engine) -> str | None:
    """The revision stamped in alembic_version; None for a database never migrated (or migrated down)."""
    with engine.connect() as conn:
        try:
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
        except ProgrammingError as exc:
            if isinstance(exc.orig, errors.UndefinedTable):
                return None
            raise


def is_current(engine: Engine) -> bool:
    return current_revision(engine) == HEAD_REVISION
