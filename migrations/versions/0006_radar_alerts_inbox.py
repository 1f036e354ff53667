"""The live radar: stored alerts, mutes, the inbox's acknowledgements and how far alerts have looked.

- `alerts`: one row per alert fired (rule, person, the triggering event's id, when it happened, when it
  fired, when it was acknowledged, its text). `(rule, event_id)` is unique, so an alert fires once per
  triggering event however often the event is evaluated again (a restart, a replay, two processes).
  Not append-only: acknowledging sets `acknowledged_at`.
- `alert_mutes`: persons the broadcaster muted; no alert fires for them.
- `inbox_acknowledgements`: tips and private messages acknowledged in the inbox (interactions are
  append-only, so their acknowledgement lives beside them).
- `radar_state`: per broadcaster, the last interaction id the alert engine has evaluated, so that after
  a crash it resumes there and nothing committed is left unevaluated.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import UUID

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "alerts",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("rule", sa.Text, nullable=False),
        sa.Column("person_id", UUID(as_uuid=True), sa.ForeignKey("persons.id", name="fk_alerts_person_id_persons"),
                  nullable=False),
        sa.Column("event_id", sa.Text, nullable=False),
        sa.Column("interaction_id", sa.BigInteger,
                  sa.ForeignKey("interactions.id", name="fk_alerts_interaction_id_interactions")),
        sa.Column("event_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("fired_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True)),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("bell", sa.Boolean, nullable=False, server_default=sa.text("false")),
        sa.PrimaryKeyConstraint("id", name="pk_alerts"),
        sa.UniqueConstraint("rule", "event_id", name="uq_alerts_rule_event_id"),
    )
    op.create_index("ix_alerts_person_id_rule_event_at", "alerts", ["person_id", "rule", "event_at"])
    op.create_index("ix_alerts_fired_at", "alerts", ["fired_at"])
    op.create_index("ix_alerts_unacknowledged", "alerts", ["id"], postgresql_where=sa.text("acknowledged_at IS NULL"))
    op.create_table(
        "alert_mutes",
        sa.Column("person_id", UUID(as_uuid=True),
                  sa.ForeignKey("persons.id", name="fk_alert_mutes_person_id_persons"), nullable=False),
        sa.Column("muted_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.PrimaryKeyConstraint("person_id", name="pk_alert_mutes"),
    )
    op.create_table(
        "inbox_acknowledgements",
        sa.Column("interaction_id", sa.BigInteger,
                  sa.ForeignKey("interactions.id", name="fk_inbox_acknowledgements_interaction_id_interactions"),
                  nullable=False),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.PrimaryKeyConstraint("interaction_id", name="pk_inbox_acknowledgements"),
    )
    op.create_table(
        "radar_state",
        sa.Column("broadcaster", sa.Text, nullable=False),
        sa.Column("last_interaction_id", sa.BigInteger, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.PrimaryKeyConstraint("broadcaster", name="pk_radar_state"),
    )


def downgrade() -> None:
    op.drop_table("radar_state")
    op.drop_table("inbox_acknowledgements")
    op.drop_table("alert_mutes")
    op.drop_index("ix_alerts_unacknowledged", table_name="alerts")
    op.drop_index("ix_alerts_fired_at", table_name="alerts")
    op.drop_index("ix_alerts_person_id_rule_event_at", table_name="alerts")
    op.drop_table("alerts")
