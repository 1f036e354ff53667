"""The journal keeps each event's raw text; TRUNCATE is refused on the append-only tables.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

APPEND_ONLY = ("snapshots", "interactions", "event_log")


def upgrade() -> None:
    # Nullable: rows journaled before this revision have only their payload (history is not rewritten).
    op.add_column("event_log", sa.Column("raw", sa.Text))
    # TRUNCATE is neither UPDATE nor DELETE, so the row triggers of 0001 never see it; a statement trigger
    # does (also when another table's TRUNCATE ... CASCADE reaches these).
    for table in APPEND_ONLY:
        op.execute(
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION mhc_reject_change()"
        )


def downgrade() -> None:
    for table in APPEND_ONLY:
        op.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
    op.drop_column("event_log", "raw")
