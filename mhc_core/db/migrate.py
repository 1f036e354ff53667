"""Running the Alembic migrations from the application, under a lock so two processes never race.

Alembic is imported on use: an up-to-date schema is told by one query (`schema.current_revision`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, text

import migrations
from mhc_core.db import schema

if TYPE_CHECKING:
    from alembic.config import Config

log = logging.getLogger(__name__)

# pg_advisory_lock key for schema changes ("MHC" + 1); capture uses its own keys.
MIGRATION_LOCK_KEY = 0x4D484301


def alembic_config() -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(Path(migrations.__file__).parent))
    return config


def head_revision() -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config()).get_current_head()


@dataclass(frozen=True)
class SchemaStatus:
    current: str | None
    head: str | None
    pending: list[str]

    @property
    def up_to_date(self) -> bool:
        return self.current == self.head


def status(engine: Engine) -> SchemaStatus:
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config())
    with engine.connect() as conn:
        current = MigrationContext.configure(conn).get_current_revision()
    head = script.get_current_head()
    pending = [rev.revision for rev in script.iterate_revisions(head, current)] if head != current else []
    return SchemaStatus(current=current, head=head, pending=list(reversed(pending)))


def _run(engine: Engine, action: str, target: str) -> None:
    from alembic import command

    config = alembic_config()
    with engine.connect() as conn:
        conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": MIGRATION_LOCK_KEY})
        conn.commit()
        try:
            config.attributes["connection"] = conn
            getattr(command, action)(config, target)
            conn.commit()
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": MIGRATION_LOCK_KEY})
            conn.commit()


def upgrade(engine: Engine, target: str = "head") -> SchemaStatus:
    """Bring the schema to `target`; a second process waits for the first and then finds nothing to do."""
    if target == "head":
        current = schema.current_revision(engine)
        if current == schema.HEAD_REVISION:
            return SchemaStatus(current=current, head=current, pending=[])
    before = status(engine)
    if before.up_to_date and target == "head":
        return before
    log.info("upgrading schema from %s to %s", before.current, target)
    _run(engine, "upgrade", target)
    return status(engine)


def downgrade(engine: Engine, target: str = "base") -> SchemaStatus:
    _run(engine, "downgrade", target)
    return status(engine)
