"""ORM models. The schema itself is owned by the Alembic migrations; a test keeps the two in step."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    MetaData,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from mhc_core.kinds import (  # noqa: F401 - the vocabularies are named from here too
    EXCLUDED_LIST,
    SEEDED_WATCHLISTS,
    Confidence,
    InteractionSource,
    InteractionType,
    Role,
    SessionOrigin,
    SessionStatus,
    SnapshotSource,
)

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def _in(column: str, enum: type[StrEnum]) -> str:
    values = ", ".join(f"'{member.value}'" for member in enum)
    return f"{column} IN ({values})"


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def _now() -> Mapped[datetime]:
    return mapped_column(DateTime(timezone=True), nullable=False, server_default=func.now())


class Person(Base):
    __tablename__ = "persons"
    __table_args__ = (
        UniqueConstraint("platform", "username"),
        CheckConstraint("username = lower(username)", name="username_lowercase"),
        CheckConstraint(_in("role", Role), name="role"),
        Index("ix_persons_platform_rid", "platform", "rid", unique=True, postgresql_where=text("rid IS NOT NULL")),
        Index("ix_persons_platform_did", "platform", "did", unique=True, postgresql_where=text("did IS NOT NULL")),
        Index("ix_persons_last_seen_at", "last_seen_at"),
        Index("ix_persons_username_pattern", "username", postgresql_ops={"username": "text_pattern_ops"}),
    )

    id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), primary_key=True, server_default=text("gen_random_uuid()")
    )
    username: Mapped[str] = mapped_column(Text, nullable=False)
    platform: Mapped[str] = mapped_column(Text, nullable=False, server_default="chaturbate")
    role: Mapped[str] = mapped_column(Text, nullable=False, server_default=Role.UNKNOWN.value)
    rid: Mapped[int | None] = mapped_column(BigInteger)
    did: Mapped[int | None] = mapped_column(BigInteger)
    first_seen_at: Mapped[datetime] = _now()
    last_seen_at: Mapped[datetime] = _now()
    is_excluded: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=text("false"))
    created_at: Mapped[datetime] = _now()
    updated_at: Mapped[datetime] = _now()

    aliases: Mapped[list[PersonAlias]] = relationship(
        back_populates="person", order_by="PersonAlias.valid_from", lazy="selectin"
    )


class PersonAlias(Base):
    __tablename__ = "person_aliases"
    __table_args__ = (
        Index("ix_person_aliases_platform_username", "platform", "username"),
        Index("ix_person_aliases_person_id", "person_id"),
        Index("ix_person_aliases_username_pattern", "username", postgresql_ops={"username": "text_pattern_ops"}),
        CheckConstraint("username = lower(username)", name="username_lowercase"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("persons.id"), nullable=False)
    username: Mapped[str] = mapped_column(Text, nullable=False)
    platform: Mapped[str] = mapped_column(Text, nullable=False, server_default="chaturbate")
    valid_from: Mapped[datetime] = _now()
    valid_to: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    person: Mapped[Person] = relationship(back_populates="aliases")


class Snapshot(Base):
    __tablename__ = "snapshots"
    __table_args__ = (
        CheckConstraint(_in("source", SnapshotSource), name="source"),
        Index("ix_snapshots_person_source_captured", "person_id", "source", "captured_at"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("persons.id"), nullable=False)
    source: Mapped[str] = mapped_column(Text, nullable=False)
    captured_at: Mapped[datetime] = _now()
    raw_payload: Mapped[Any] = mapped_column(JSONB, nullable=False)
    normalized_metrics: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False)


class StreamSession(Base):
    __tablename__ = "stream_sessions"
    __table_args__ = (
        CheckConstraint(_in("status", SessionStatus), name="status"),
        CheckConstraint(_in("origin", SessionOrigin), name="origin"),
        CheckConstraint("(status = 'LIVE') = (ended_at IS NULL)", name="ended_when_ended"),
        CheckConstraint("ended_at IS NULL OR ended_at >= started_at", name="ends_after_start"),
        Index(
            "ix_stream_sessions_one_live",
            "broadcaster",
            unique=True,
            postgresql_where=text("status = 'LIVE'"),
        ),
        Index("ix_stream_sessions_broadcaster_started", "broadcaster", "started_at"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    broadcaster: Mapped[str] = mapped_column(Text, nullable=False)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(Text, nullable=False)
    origin: Mapped[str] = mapped_column(Text, nullable=False)
    created_at: Mapped[datetime] = _now()
    updated_at: Mapped[datetime] = _now()


class Interaction(Base):
    __tablename__ = "interactions"
    __table_args__ = (
        CheckConstraint(_in("type", InteractionType), name="type"),
        CheckConstraint(_in("source", InteractionSource), name="source"),
        Index("ix_interactions_person_timestamp", "person_id", "timestamp"),
        Index("ix_interactions_person_type_timestamp", "person_id", "type", "timestamp"),
        Index("ix_interactions_session_timestamp", "stream_session_id", "timestamp"),
        Index("ix_interactions_type_timestamp", "type", "timestamp"),
        Index("ix_interactions_timestamp", "timestamp"),
        # Full-text search (see mhc_core.services.search for the one query that must match it).
        Index(
            "ix_interactions_content_fts",
            text("to_tsvector('simple'::regconfig, content)"),
            postgresql_using="gin",
            postgresql_where=text(
                "content IS NOT NULL AND type IN "
                "('CHAT_MESSAGE', 'PRIVATE_MESSAGE', 'TIP_EVENT', 'MANUAL_NOTE', 'CHAT_IMPORT')"
            ),
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("persons.id"), nullable=False)
    stream_session_id: Mapped[int | None] = mapped_column(ForeignKey("stream_sessions.id"))
    type: Mapped[str] = mapped_column(Text, nullable=False)
    content: Mapped[str | None] = mapped_column(Text)
    timestamp: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    source: Mapped[str] = mapped_column(Text, nullable=False)
    # `metadata` is reserved on declarative classes, so the attribute is `meta`.
    meta: Mapped[dict[str, Any]] = mapped_column(
        "metadata", JSONB, nullable=False, server_default=text("'{}'::jsonb")
    )
    event_id: Mapped[str | None] = mapped_column(Text, unique=True)
    created_at: Mapped[datetime] = _now()


class Attribute(Base):
    __tablename__ = "attributes"
    __table_args__ = (
        UniqueConstraint("person_id", "key", "value"),
        CheckConstraint(_in("confidence", Confidence), name="confidence"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("persons.id"), nullable=False)
    key: Mapped[str] = mapped_column(Text, nullable=False)
    value: Mapped[str] = mapped_column(Text, nullable=False)
    confidence: Mapped[str] = mapped_column(Text, nullable=False, server_default=Confidence.MEDIUM.value)
    evidence_type: Mapped[str | None] = mapped_column(Text)
    evidence_id: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = _now()
    updated_at: Mapped[datetime] = _now()


class Watchlist(Base):
    __tablename__ = "watchlists"

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    name: Mapped[str] = mapped_column(Text, nullable=False, unique=True)
    description: Mapped[str | None] = mapped_column(Text)
    is_system: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=text("false"))
    created_at: Mapped[datetime] = _now()


class WatchlistMember(Base):
    __tablename__ = "watchlist_members"
    __table_args__ = (Index("ix_watchlist_members_person_id", "person_id"),)

    watchlist_id: Mapped[int] = mapped_column(ForeignKey("watchlists.id"), primary_key=True)
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("persons.id"), primary_key=True)
    added_at: Mapped[datetime] = _now()
    note: Mapped[str | None] = mapped_column(Text)


class EventLog(Base):
    __tablename__ = "event_log"
    __table_args__ = (
        Index("ix_event_log_broadcaster_id", "broadcaster", "id"),
        Index("ix_event_log_received_at", "received_at"),
        Index("ix_event_log_errors", "id", postgresql_where=text("error IS NOT NULL")),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    event_id: Mapped[str] = mapped_column(Text, nullable=False, unique=True)
    broadcaster: Mapped[str] = mapped_column(Text, nullable=False)
    method: Mapped[str] = mapped_column(Text, nullable=False)
    payload: Mapped[Any] = mapped_column(JSONB, nullable=False)
    # The event exactly as received (JSON text; NUL and lone surrogates as JSON escapes), where `payload`
    # holds the storable copy. Null for events journaled before the raw text was kept.
    raw: Mapped[str | None] = mapped_column(Text)
    event_time: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    error: Mapped[str | None] = mapped_column(Text)


class ListenerState(Base):
    __tablename__ = "listener_state"

    broadcaster: Mapped[str] = mapped_column(Text, primary_key=True)
    cursor: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = _now()


APPEND_ONLY_TABLES = ("snapshots", "interactions", "event_log")


class CaptureHeartbeat(Base):
    """The capture-lock holder's proof of life: state, rewritten every few seconds (not history)."""

    __tablename__ = "capture_heartbeat"

    broadcaster: Mapped[str] = mapped_column(Text, primary_key=True)
    holder: Mapped[str] = mapped_column(Text, nullable=False)  # "host:pid"
    backend_pid: Mapped[int] = mapped_column(Integer, nullable=False)  # the lock connection's backend
    heartbeat_at: Mapped[datetime] = _now()  # the database's clock, so hosts' clocks never matter


class Alert(Base):
    """An alert that fired: once per rule and triggering event (the unique key), acknowledged later."""

    __tablename__ = "alerts"
    __table_args__ = (
        UniqueConstraint("rule", "event_id"),
        Index("ix_alerts_person_id_rule_event_at", "person_id", "rule", "event_at"),
        Index("ix_alerts_fired_at", "fired_at"),
        Index("ix_alerts_unacknowledged", "id", postgresql_where=text("acknowledged_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    rule: Mapped[str] = mapped_column(Text, nullable=False)  # the rule's name (mhc_core.alerts.rules)
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("persons.id"), nullable=False)
    event_id: Mapped[str] = mapped_column(Text, nullable=False)  # the triggering event's id
    interaction_id: Mapped[int | None] = mapped_column(ForeignKey("interactions.id"))
    event_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    fired_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, server_default=func.now())
    acknowledged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    bell: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=text("false"))
    # Last: the attribute's name hides sqlalchemy's text() for the rest of the class body.
    text: Mapped[str] = mapped_column(Text, nullable=False)


class AlertMute(Base):
    """A person the broadcaster muted: no alert fires for him."""

    __tablename__ = "alert_mutes"

    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("persons.id"), primary_key=True)
    muted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, server_default=func.now())


class InboxAcknowledgement(Base):
    """A tip or private message acknowledged in the inbox (interactions themselves are append-only)."""

    __tablename__ = "inbox_acknowledgements"

    interaction_id: Mapped[int] = mapped_column(ForeignKey("interactions.id"), primary_key=True)
    acknowledged_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )


class RadarState(Base):
    """How far the alert engine has evaluated the room's interactions (it resumes there after a crash)."""

    __tablename__ = "radar_state"

    broadcaster: Mapped[str] = mapped_column(Text, primary_key=True)
    last_interaction_id: Mapped[int] = mapped_column(BigInteger, nullable=False)
    updated_at: Mapped[datetime] = _now()
