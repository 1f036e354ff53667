"""Stored alerts, mutes and the inbox: what fired, what the broadcaster has seen, whom he silenced.

The inbox is everything of this broadcast not acknowledged yet: alerts (acknowledged by their own
`acknowledged_at`), tips and incoming private messages (acknowledged by an `inbox_acknowledgements`
row, interactions being append-only). A tip or PM that fired an alert is shown once, as its alert.
"This broadcast" begins at the LIVE session's start, else at the latest broadcast start the room
sent, else at the latest session's start; with none of them, everything unacknowledged is shown.
Every change is announced on mhc_alerts in its own transaction.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    DateTime,
    Select,
    and_,
    delete,
    exists,
    func,
    literal,
    literal_column,
    or_,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from mhc_core.channels import ACKNOWLEDGED, CHANNEL_ALERTS, MUTED
from mhc_core.db.models import (
    Alert,
    AlertMute,
    InboxAcknowledgement,
    Interaction,
    InteractionSource,
    InteractionType,
    Person,
    SessionStatus,
    StreamSession,
)
from mhc_core.db.notify import notify
from mhc_core.display import one_line
from mhc_core.formats import token_count

# An alert's or inbox line's text is cut here with '…': one line on any screen.
TEXT_LIMIT = 300
_TIP = InteractionType.TIP_EVENT.value
_PM = InteractionType.PRIVATE_MESSAGE.value
_TOKENS: Any = literal_column(
    "CASE WHEN jsonb_typeof(interactions.metadata -> 'tokens') = 'number' "
    "THEN (interactions.metadata ->> 'tokens')::numeric ELSE NULL END"
)


class BadInboxKey(ValueError):
    """A key that is not "alert:ID", "tip:ID" or "private_message:ID"."""


# -- the lines ------------------------------------------------------------------------------------


def tip_line(username: str, amount: int | None, message: str | None) -> str:
    line = f"{username} tipped {token_count(amount) if amount is not None else '? tokens'}"
    return one_line(f"{line}: {message}" if message else line, TEXT_LIMIT)


def private_message_line(username: str, message: str | None) -> str:
    return one_line(f"PM from {username}: {message or ''}", TEXT_LIMIT)


def _tokens(value: Any) -> int | None:
    return None if value is None else int(value)


# -- this broadcast -------------------------------------------------------------------------------


def broadcast_since(broadcaster: str) -> ColumnElement[Any]:
    """Where this broadcast began, as one SQL expression (NULL: nothing tells), so a count of the inbox
    is one statement."""
    live = (
        select(StreamSession.started_at)
        .where(StreamSession.broadcaster == broadcaster, StreamSession.status == SessionStatus.LIVE.value)
        .limit(1)
        .scalar_subquery()
    )
    started = (
        select(func.max(Interaction.timestamp))
        .join(Person, Person.id == Interaction.person_id)
        .where(Interaction.type == InteractionType.BROADCAST_START.value,
               Interaction.source == InteractionSource.CB_EVENTS.value, Person.username == broadcaster)
        .scalar_subquery()
    )
    latest = select(func.max(StreamSession.started_at)).where(StreamSession.broadcaster == broadcaster)
    return func.coalesce(live, started, latest.scalar_subquery())


def _in_broadcast(column: Any, since: ColumnElement[Any]) -> ColumnElement[bool]:
    return or_(since.is_(None), column >= since)


def _open_alerts(since: ColumnElement[Any]) -> list[ColumnElement[bool]]:
    return [Alert.acknowledged_at.is_(None), _in_broadcast(Alert.event_at, since)]


def _open_interactions(broadcaster: str, since: ColumnElement[Any]) -> list[ColumnElement[bool]]:
    """Tips and incoming PMs of this broadcast, not acknowledged and with no alert (shown as that)."""
    return [
        Interaction.source == InteractionSource.CB_EVENTS.value,
        or_(Interaction.type == _TIP,
            and_(Interaction.type == _PM, Interaction.meta["direction"].astext == "in")),
        _in_broadcast(Interaction.timestamp, since),
        Person.username != broadcaster,
        ~exists().where(InboxAcknowledgement.interaction_id == Interaction.id),
        ~exists().where(Alert.interaction_id == Interaction.id),
    ]


# -- alerts ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AlertRow:
    id: int
    rule: str
    person_id: uuid.UUID
    username: str
    event_id: str
    interaction_id: int | None
    event_at: datetime
    fired_at: datetime
    acknowledged_at: datetime | None
    text: str
    bell: bool


def _alert_select() -> Select:
    return select(Alert.id, Alert.rule, Alert.person_id, Person.username, Alert.event_id, Alert.interaction_id,
                  Alert.event_at, Alert.fired_at, Alert.acknowledged_at, Alert.text, Alert.bell).join(
        Person, Person.id == Alert.person_id)


def _alert_rows(session: Session, stmt: Select) -> list[AlertRow]:
    return [AlertRow(*row) for row in session.execute(stmt)]


def list_alerts(
    session: Session,
    *,
    since: datetime | None = None,
    unacknowledged: bool = False,
    after_id: int | None = None,
    limit: int = 500,
) -> list[AlertRow]:
    """Alerts newest first: fired at or after `since`, not acknowledged, with an id above `after_id`."""
    stmt = _alert_select()
    if since is not None:
        stmt = stmt.where(Alert.fired_at >= since)
    if unacknowledged:
        stmt = stmt.where(Alert.acknowledged_at.is_(None))
    if after_id is not None:
        stmt = stmt.where(Alert.id > after_id)
    return _alert_rows(session, stmt.order_by(Alert.id.desc()).limit(limit))


def alerts_by_id(session: Session, ids: Collection[int]) -> list[AlertRow]:
    """These alerts, oldest first."""
    if not ids:
        return []
    return _alert_rows(session, _alert_select().where(Alert.id.in_(list(ids))).order_by(Alert.id))


# -- the inbox ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class InboxEntry:
    kind: str
    id: int
    person_id: uuid.UUID
    username: str
    at: datetime
    text: str
    tokens: int | None


def since_of(session: Session, broadcaster: str) -> datetime | None:
    return session.scalar(select(broadcast_since(broadcaster)))


def inbox(session: Session, broadcaster: str, *, limit: int = 1000) -> list[InboxEntry]:
    """The inbox, newest first (at most `limit` of the alerts and `limit` of the rest)."""
    since = broadcast_since(broadcaster)
    alerted = (
        select(Alert.id, Alert.person_id, Person.username, Alert.event_at, Alert.text, _TOKENS)
        .join(Person, Person.id == Alert.person_id)
        .outerjoin(Interaction, Interaction.id == Alert.interaction_id)
        .where(*_open_alerts(since))
        .order_by(Alert.event_at.desc(), Alert.id.desc())
        .limit(limit)
    )
    out = [InboxEntry("alert", aid, pid, name, at, text, _tokens(amount))
           for aid, pid, name, at, text, amount in session.execute(alerted)]
    rest = (
        select(Interaction.id, Interaction.type, Interaction.person_id, Person.username, Interaction.timestamp,
               Interaction.content, _TOKENS)
        .join(Person, Person.id == Interaction.person_id)
        .where(*_open_interactions(broadcaster, since))
        .order_by(Interaction.timestamp.desc(), Interaction.id.desc())
        .limit(limit)
    )
    for iid, kind, pid, name, at, content, amount in session.execute(rest):
        if kind == _TIP:
            out.append(InboxEntry("tip", iid, pid, name, at, tip_line(name, _tokens(amount), content),
                                  _tokens(amount)))
        else:
            out.append(InboxEntry("private_message", iid, pid, name, at, private_message_line(name, content), None))
    out.sort(key=lambda e: (e.at, e.id), reverse=True)
    return out


def unacknowledged_count_expr(broadcaster: str) -> ColumnElement[int]:
    """How many items the inbox shows, as one SQL expression (for the health line's single read)."""
    since = broadcast_since(broadcaster)
    alerted = select(func.count()).select_from(Alert).where(*_open_alerts(since)).scalar_subquery()
    rest = (
        select(func.count()).select_from(Interaction).join(Person, Person.id == Interaction.person_id)
        .where(*_open_interactions(broadcaster, since)).scalar_subquery()
    )
    return alerted + rest


def unacknowledged_count(session: Session, broadcaster: str) -> int:
    return int(session.scalar(select(unacknowledged_count_expr(broadcaster))) or 0)


def parse_key(key: str) -> tuple[str, int]:
    """("alert" | "tip" | "private_message", id) of an inbox key; BadInboxKey otherwise."""
    kind, _, raw = str(key).partition(":")
    if kind not in ("alert", "tip", "private_message") or not raw.isdigit() or len(raw) > 18:
        raise BadInboxKey(f"not an inbox key: {one_line(key, 60)!r} (alert:ID, tip:ID or private_message:ID)")
    return kind, int(raw)


def _acknowledged(session: Session, broadcaster: str) -> None:
    notify(session, CHANNEL_ALERTS, {"broadcaster": broadcaster, "what": ACKNOWLEDGED, "ids": []})


def acknowledge(session: Session, broadcaster: str, keys: Collection[str], *, at: datetime) -> int:
    """Acknowledge inbox items by key (all checked first: BadInboxKey); how many were not acknowledged yet.
    An interaction key names a tip or incoming PM; anything else is ignored."""
    parsed = [parse_key(k) for k in keys]
    alert_ids = sorted({i for kind, i in parsed if kind == "alert"})
    interaction_ids = sorted({i for kind, i in parsed if kind != "alert"})
    done = 0
    if alert_ids:
        done += len(session.execute(
            update(Alert).where(Alert.id.in_(alert_ids), Alert.acknowledged_at.is_(None))
            .values(acknowledged_at=at).returning(Alert.id)
        ).all())
    if interaction_ids:
        wanted = select(Interaction.id, literal(at, DateTime(timezone=True)).label("at")).where(
            Interaction.id.in_(interaction_ids), Interaction.type.in_((_TIP, _PM)))
        done += len(session.execute(
            insert(InboxAcknowledgement).from_select(["interaction_id", "acknowledged_at"], wanted)
            .on_conflict_do_nothing().returning(InboxAcknowledgement.interaction_id)
        ).all())
    if done:
        _acknowledged(session, broadcaster)
    return done


def acknowledge_all(session: Session, broadcaster: str, *, at: datetime) -> int:
    """Acknowledge everything the inbox shows now; how many items."""
    since = broadcast_since(broadcaster)
    done = len(session.execute(
        update(Alert).where(*_open_alerts(since)).values(acknowledged_at=at).returning(Alert.id)
    ).all())
    shown = (
        select(Interaction.id, literal(at, DateTime(timezone=True)).label("at"))
        .join(Person, Person.id == Interaction.person_id)
        .where(*_open_interactions(broadcaster, since))
    )
    done += len(session.execute(
        insert(InboxAcknowledgement).from_select(["interaction_id", "acknowledged_at"], shown)
        .on_conflict_do_nothing().returning(InboxAcknowledgement.interaction_id)
    ).all())
    if done:
        _acknowledged(session, broadcaster)
    return done


# -- mutes ----------------------------------------------------------------------------------------


def is_muted(session: Session, person_id: uuid.UUID) -> bool:
    return session.scalar(select(exists().where(AlertMute.person_id == person_id))) or False


def set_muted(session: Session, broadcaster: str, person_id: uuid.UUID, muted: bool, *, at: datetime) -> bool:
    """Mute a person (no alert fires for him) or unmute him; whether anything changed."""
    if muted:
        changed = session.execute(
            insert(AlertMute).values(person_id=person_id, muted_at=at).on_conflict_do_nothing()
            .returning(AlertMute.person_id)
        ).first() is not None
    else:
        changed = session.execute(
            delete(AlertMute).where(AlertMute.person_id == person_id).returning(AlertMute.person_id)
        ).first() is not None
    if changed:
        notify(session, CHANNEL_ALERTS, {"broadcaster": broadcaster, "what": MUTED, "ids": []})
    return changed
