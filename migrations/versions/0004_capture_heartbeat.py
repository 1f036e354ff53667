"""The capture-lock holder's heartbeat: one row per broadcaster, rewritten every few seconds on the
lock connection, so an observer can tell a frozen holder from a live one.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # State, like listener_state: not append-only.
    op.create_table(
        "capture_heartbeat",
        sa.Column("broadcaster", sa.Text, nullable=False),
        sa.Column("holder", sa.Text, nullable=False),
        sa.Column("backend_pid", sa.Integer, nullable=False),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.PrimaryKeyConstraint("broadcaster", name="pk_capture_heartbeat"),
    )


def downgrade() -> None:
    op.drop_table("capture_heartbeat")
