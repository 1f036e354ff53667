"""Storage: the engine and sessions, the embedded Postgres default, ORM models, migrations."""

from mhc_core.db.engine import Database, DatabaseUnavailable, open_database

__all__ = ["Database", "DatabaseUnavailable", "open_database"]
