"""Initial schema: persons, aliases, snapshots, sessions, interactions, attributes, watchlists, journal.

Revision ID: 0001
Revises:
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB, UUID

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

ROLES = "'MODEL', 'VIEWER', 'BOTH', 'UNKNOWN'"
SNAPSHOT_SOURCES = "'statbate_member', 'statbate_model', 'cb_stats', 'manual'"
INTERACTION_TYPES = (
    "'CHAT_MESSAGE', 'PRIVATE_MESSAGE', 'TIP_EVENT', 'FOLLOW', 'UNFOLLOW', 'USER_ENTER', 'USER_LEAVE', "
    "'FANCLUB_JOIN', 'MEDIA_PURCHASE', 'ROOM_SUBJECT_CHANGE', 'BROADCAST_START', 'BROADCAST_STOP', "
    "'PROFILE_PASTE', 'CHAT_IMPORT', 'MANUAL_NOTE'"
)
INTERACTION_SOURCES = "'cb_events', 'manual', 'transcript', 'statbate'"
APPEND_ONLY = ("snapshots", "interactions", "event_log")
WATCHLISTS = [
    ("Friends", "People he counts as friends"),
    ("Known Streamers", "Other broadcasters"),
    ("Ones to Watch", "Worth keeping an eye on"),
    ("Banned But Craved", "Banned, but missed"),
    ("Excluded", "Left out of every aggregate"),
]


def _now() -> sa.Column:
    return sa.func.now()


def _ts(name: str, nullable: bool = False, default: bool = True) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable,
                     server_default=_now() if default else None)


def upgrade() -> None:
    op.create_table(
        "persons",
        sa.Column("id", UUID(as_uuid=True), primary_key=True, server_default=sa.text("gen_random_uuid()")),
        sa.Column("username", sa.Text, nullable=False),
        sa.Column("platform", sa.Text, nullable=False, server_default="chaturbate"),
        sa.Column("role", sa.Text, nullable=False, server_default="UNKNOWN"),
        sa.Column("rid", sa.BigInteger),
        sa.Column("did", sa.BigInteger),
        _ts("first_seen_at"),
        _ts("last_seen_at"),
        sa.Column("is_excluded", sa.Boolean, nullable=False, server_default=sa.text("false")),
        _ts("created_at"),
        _ts("updated_at"),
        sa.PrimaryKeyConstraint("id", name="pk_persons"),
        sa.UniqueConstraint("platform", "username", name="uq_persons_platform_username"),
        sa.CheckConstraint("username = lower(username)", name="ck_persons_username_lowercase"),
        sa.CheckConstraint(f"role IN ({ROLES})", name="ck_persons_role"),
    )
    op.create_index("ix_persons_platform_rid", "persons", ["platform", "rid"], unique=True,
                    postgresql_where=sa.text("rid IS NOT NULL"))
    op.create_index("ix_persons_platform_did", "persons", ["platform", "did"], unique=True,
                    postgresql_where=sa.text("did IS NOT NULL"))
    op.create_index("ix_persons_last_seen_at", "persons", ["last_seen_at"])

    op.create_table(
        "person_aliases",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("person_id", UUID(as_uuid=True), nullable=False),
        sa.Column("username", sa.Text, nullable=False),
        sa.Column("platform", sa.Text, nullable=False, server_default="chaturbate"),
        _ts("valid_from"),
        _ts("valid_to", nullable=True, default=False),
        sa.PrimaryKeyConstraint("id", name="pk_person_aliases"),
        sa.ForeignKeyConstraint(["person_id"], ["persons.id"], name="fk_person_aliases_person_id_persons"),
        sa.CheckConstraint("username = lower(username)", name="ck_person_aliases_username_lowercase"),
    )
    op.create_index("ix_person_aliases_platform_username", "person_aliases", ["platform", "username"])
    op.create_index("ix_person_aliases_person_id", "person_aliases", ["person_id"])

    op.create_table(
        "snapshots",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("person_id", UUID(as_uuid=True), nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        _ts("captured_at"),
        sa.Column("raw_payload", JSONB, nullable=False),
        sa.Column("normalized_metrics", JSONB, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_snapshots"),
        sa.ForeignKeyConstraint(["person_id"], ["persons.id"], name="fk_snapshots_person_id_persons"),
        sa.CheckConstraint(f"source IN ({SNAPSHOT_SOURCES})", name="ck_snapshots_source"),
    )
    op.create_index("ix_snapshots_person_source_captured", "snapshots", ["person_id", "source", "captured_at"])

    op.create_table(
        "stream_sessions",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("broadcaster", sa.Text, nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True)),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("origin", sa.Text, nullable=False),
        _ts("created_at"),
        _ts("updated_at"),
        sa.PrimaryKeyConstraint("id", name="pk_stream_sessions"),
        sa.CheckConstraint("status IN ('LIVE', 'ENDED')", name="ck_stream_sessions_status"),
        sa.CheckConstraint("origin IN ('manual', 'auto')", name="ck_stream_sessions_origin"),
        sa.CheckConstraint("(status = 'LIVE') = (ended_at IS NULL)", name="ck_stream_sessions_ended_when_ended"),
        sa.CheckConstraint("ended_at IS NULL OR ended_at >= started_at",
                           name="ck_stream_sessions_ends_after_start"),
    )
    op.create_index("ix_stream_sessions_one_live", "stream_sessions", ["broadcaster"], unique=True,
                    postgresql_where=sa.text("status = 'LIVE'"))
    op.create_index("ix_stream_sessions_broadcaster_started", "stream_sessions", ["broadcaster", "started_at"])

    op.create_table(
        "interactions",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("person_id", UUID(as_uuid=True), nullable=False),
        sa.Column("stream_session_id", sa.BigInteger),
        sa.Column("type", sa.Text, nullable=False),
        sa.Column("content", sa.Text),
        sa.Column("timestamp", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("metadata", JSONB, nullable=False, server_default=sa.text("'{}'::jsonb")),
        sa.Column("event_id", sa.Text),
        _ts("created_at"),
        sa.PrimaryKeyConstraint("id", name="pk_interactions"),
        sa.ForeignKeyConstraint(["person_id"], ["persons.id"], name="fk_interactions_person_id_persons"),
        sa.ForeignKeyConstraint(["stream_session_id"], ["stream_sessions.id"],
                                name="fk_interactions_stream_session_id_stream_sessions"),
        sa.UniqueConstraint("event_id", name="uq_interactions_event_id"),
        sa.CheckConstraint(f"type IN ({INTERACTION_TYPES})", name="ck_interactions_type"),
        sa.CheckConstraint(f"source IN ({INTERACTION_SOURCES})", name="ck_interactions_source"),
    )
    op.create_index("ix_interactions_person_timestamp", "interactions", ["person_id", "timestamp"])
    op.create_index("ix_interactions_session_timestamp", "interactions", ["stream_session_id", "timestamp"])
    op.create_index("ix_interactions_type_timestamp", "interactions", ["type", "timestamp"])
    op.create_index("ix_interactions_timestamp", "interactions", ["timestamp"])

    op.create_table(
        "attributes",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("person_id", UUID(as_uuid=True), nullable=False),
        sa.Column("key", sa.Text, nullable=False),
        sa.Column("value", sa.Text, nullable=False),
        sa.Column("confidence", sa.Text, nullable=False, server_default="medium"),
        sa.Column("evidence_type", sa.Text),
        sa.Column("evidence_id", sa.Text),
        _ts("created_at"),
        _ts("updated_at"),
        sa.PrimaryKeyConstraint("id", name="pk_attributes"),
        sa.ForeignKeyConstraint(["person_id"], ["persons.id"], name="fk_attributes_person_id_persons"),
        sa.UniqueConstraint("person_id", "key", "value", name="uq_attributes_person_id_key_value"),
        sa.CheckConstraint("confidence IN ('low', 'medium', 'high')", name="ck_attributes_confidence"),
    )

    watchlists = op.create_table(
        "watchlists",
        sa.Column("id", sa.Integer, sa.Identity(), primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("description", sa.Text),
        sa.Column("is_system", sa.Boolean, nullable=False, server_default=sa.text("false")),
        _ts("created_at"),
        sa.PrimaryKeyConstraint("id", name="pk_watchlists"),
        sa.UniqueConstraint("name", name="uq_watchlists_name"),
    )
    op.bulk_insert(watchlists, [{"name": n, "description": d, "is_system": True} for n, d in WATCHLISTS])

    op.create_table(
        "watchlist_members",
        sa.Column("watchlist_id", sa.Integer, nullable=False),
        sa.Column("person_id", UUID(as_uuid=True), nullable=False),
        _ts("added_at"),
        sa.Column("note", sa.Text),
        sa.PrimaryKeyConstraint("watchlist_id", "person_id", name="pk_watchlist_members"),
        sa.ForeignKeyConstraint(["watchlist_id"], ["watchlists.id"],
                                name="fk_watchlist_members_watchlist_id_watchlists"),
        sa.ForeignKeyConstraint(["person_id"], ["persons.id"], name="fk_watchlist_members_person_id_persons"),
    )
    op.create_index("ix_watchlist_members_person_id", "watchlist_members", ["person_id"])

    op.create_table(
        "event_log",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("event_id", sa.Text, nullable=False),
        sa.Column("broadcaster", sa.Text, nullable=False),
        sa.Column("method", sa.Text, nullable=False),
        sa.Column("payload", JSONB, nullable=False),
        sa.Column("event_time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("error", sa.Text),
        sa.PrimaryKeyConstraint("id", name="pk_event_log"),
        sa.UniqueConstraint("event_id", name="uq_event_log_event_id"),
    )
    op.create_index("ix_event_log_broadcaster_id", "event_log", ["broadcaster", "id"])
    op.create_index("ix_event_log_received_at", "event_log", ["received_at"])
    op.create_index("ix_event_log_errors", "event_log", ["id"], postgresql_where=sa.text("error IS NOT NULL"))

    op.create_table(
        "listener_state",
        sa.Column("broadcaster", sa.Text, nullable=False),
        sa.Column("cursor", sa.Text),
        _ts("updated_at"),
        sa.PrimaryKeyConstraint("broadcaster", name="pk_listener_state"),
    )

    # Append-only: the journal, interactions and snapshots are history; nothing rewrites them.
    op.execute(
        """
        CREATE FUNCTION mhc_reject_change() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION '% is append-only: % rejected', TG_TABLE_NAME, TG_OP
                USING ERRCODE = 'restrict_violation';
        END
        $$
        """
    )
    for table in APPEND_ONLY:
        op.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION mhc_reject_change()"
        )


def downgrade() -> None:
    for table in APPEND_ONLY:
        op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
    op.execute("DROP FUNCTION IF EXISTS mhc_reject_change()")
    for table in ("listener_state", "event_log", "watchlist_members", "watchlists", "attributes",
                  "interactions", "stream_sessions", "snapshots", "person_aliases", "persons"):
        op.drop_table(table)
