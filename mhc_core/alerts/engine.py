"""The alert engine: every committed interaction evaluated against every rule, each alert fired once.

It follows the stored interactions, not what capture hands it: from `radar_state.last_interaction_id`
it reads the room's interactions in id order, in batches, inserts the alerts they fire (unique per
rule and event, so a replay or a restart fires nothing twice) and advances `radar_state` in the same
transaction. A crash between a capture commit and its evaluation is therefore caught up on the next
run. With no `radar_state` yet it starts at the newest interaction: old history fires nothing.

Its database work runs on threads of its own (never the capture's worker thread). An enter rule by
tier waits a few seconds for the entering persons' Statbate enrichment (`settled`); the other rules of
the batch are committed first, so they are not delayed by it.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from mhc_core.alerts.rules import AlertRule, unknown_lists
from mhc_core.channels import CHANNEL_ALERTS, FIRED
from mhc_core.config import Settings, origin
from mhc_core.data import alert_build
from mhc_core.db.engine import Database
from mhc_core.db.models import (
    Alert,
    AlertMute,
    Interaction,
    InteractionSource,
    InteractionType,
    Person,
    RadarState,
    Watchlist,
    WatchlistMember,
)
from mhc_core.db.notify import notify
from mhc_core.display import one_line
from mhc_core.formats import connection_reason, token_count
from mhc_core.formats import tokens as grouped
from mhc_core.radar.tiers import at_least
from mhc_core.services import room_radar
from mhc_core.services.alerts import TEXT_LIMIT, alerts_by_id, private_message_line, tip_line

log = logging.getLogger(__name__)

BATCH = 500  # interactions evaluated per transaction
IDLE_SECONDS = 3.0  # it looks on its own this often, whatever wakes it
SETTLE_SECONDS = 5.0  # the longest an enter rule by tier waits for Statbate
_CB = InteractionSource.CB_EVENTS.value
_TIP, _ENTER, _PM = (InteractionType.TIP_EVENT.value, InteractionType.USER_ENTER.value,
                     InteractionType.PRIVATE_MESSAGE.value)
_WANTED = {"tip": _TIP, "first_tip": _TIP, "enter": _ENTER, "return": _ENTER, "private_message": _PM}

Settled = Callable[[list[str], float], Awaitable[None]]


def check_alert_lists(settings: Settings, db: Database) -> str | None:
    """The one-line message for a rule naming a list that does not exist, or None."""
    with db.session() as s:
        known = list(s.scalars(select(Watchlist.name)))
    missing = unknown_lists(settings.alert_rules, known)
    if not missing:
        return None
    return f"{origin('alerts')}: alert list {one_line(missing[0], 80)!r} does not exist"


@dataclass(frozen=True, slots=True)
class _Event:
    id: int
    type: str
    person_id: uuid.UUID
    username: str
    at: datetime
    content: str | None
    meta: dict[str, Any]
    event_id: str

    @property
    def tokens(self) -> int | None:
        value = self.meta.get("tokens")
        return None if isinstance(value, bool) or not isinstance(value, int | float) else int(value)


@dataclass
class _Batch:
    events: list[_Event]
    last_id: int  # the cursor after this batch
    full: bool  # as many read as a batch holds: there may be more


class AlertEngine:
    def __init__(
        self,
        settings: Settings,
        db: Database,
        *,
        settled: Settled | None = None,
        on_alerts: Callable[[list[dict[str, Any]]], None] | None = None,
    ) -> None:
        self._settings = settings
        self._db = db
        self._broadcaster = settings.broadcaster
        self._rules = settings.alert_rules
        self._tiers = settings.tiers
        self._settled = settled
        self._on_alerts = on_alerts
        self._wake = asyncio.Event()
        self._stopped = False
        self._command: Any = None
        if settings.alert_command:
            from mhc_core.alerts.command import AlertCommand

            self._command = AlertCommand(settings.alert_command)

    def wake(self) -> None:
        """Something was committed: look now. On the loop; returns at once."""
        self._wake.set()

    def stop(self) -> None:
        self._stopped = True
        self._wake.set()

    async def run(self) -> None:
        """Evaluate until stop(); a database failure is logged and retried on the next look."""
        try:
            while not self._stopped:
                try:
                    while not self._stopped and await self._step():
                        pass
                except Exception as exc:  # noqa: BLE001 - one failure must not end alerting; retried
                    log.warning("alerts: evaluating failed, retrying: %s", connection_reason(exc))
                try:
                    await asyncio.wait_for(self._wake.wait(), IDLE_SECONDS)
                except TimeoutError:
                    pass
                self._wake.clear()
        finally:
            if self._command is not None:
                await self._command.aclose()

    async def _step(self) -> bool:
        """Evaluate one batch; whether there may be more."""
        batch = await asyncio.to_thread(self._read)
        if batch is None:
            return False
        quick = [r for r in self._rules if not r.needs_statbate]
        slow = [r for r in self._rules if r.needs_statbate]
        if slow:
            # The rules that need no Statbate go first (committed, not advancing), so they are not delayed.
            self._hand(await asyncio.to_thread(self._fire, batch, quick, False))
            names = sorted({e.username for e in batch.events if e.type == _ENTER})
            if names and self._settled is not None:
                try:
                    await self._settled(names, SETTLE_SECONDS)
                except Exception as exc:  # noqa: BLE001 - judge on what is known rather than not at all
                    log.warning("alerts: waiting for enrichment failed: %s", exc)
            self._hand(await asyncio.to_thread(self._fire, batch, slow, True))
        else:
            self._hand(await asyncio.to_thread(self._fire, batch, quick, True))
        return batch.full

    def _hand(self, fired: list[dict[str, Any]]) -> None:
        if not fired:
            return
        if self._on_alerts is not None:
            try:
                self._on_alerts(fired)
            except Exception:
                log.exception("alerts: the on_alerts callback failed")
        if self._command is not None:
            for alert in fired:
                self._command.submit(alert)

    # -- on a thread --------------------------------------------------------------------------------

    def _cursor(self, s: Session) -> int:
        found = s.scalar(select(RadarState.last_interaction_id).where(RadarState.broadcaster == self._broadcaster))
        if found is not None:
            return int(found)
        newest = int(s.scalar(select(func.coalesce(func.max(Interaction.id), 0))) or 0)
        s.execute(insert(RadarState).values(broadcaster=self._broadcaster, last_interaction_id=newest)
                  .on_conflict_do_nothing())
        return newest

    def _read(self) -> _Batch | None:
        with self._db.session() as s:
            cursor = self._cursor(s)
            ids = list(s.scalars(select(Interaction.id).where(Interaction.id > cursor)
                                 .order_by(Interaction.id).limit(BATCH)))
            if not ids:
                return None
            rows = s.execute(
                select(Interaction.id, Interaction.type, Interaction.person_id, Person.username, Interaction.timestamp,
                       Interaction.content, Interaction.meta, Interaction.event_id)
                .join(Person, Person.id == Interaction.person_id)
                .where(Interaction.id.in_(ids), Interaction.source == _CB,
                       Interaction.type.in_((_TIP, _ENTER, _PM)), Interaction.event_id.is_not(None))
                .order_by(Interaction.id)
            ).all()
            return _Batch([_Event(*row) for row in rows], ids[-1], len(ids) >= BATCH)

    def _fire(self, batch: _Batch, rules: list[AlertRule], advance: bool) -> list[dict[str, Any]]:
        with self._db.session() as s:
            events = [e for e in batch.events if e.username != self._broadcaster]
            rows = self._judge(s, events, rules) if events and rules else []
            ids: list[int] = []
            if rows:
                ids = list(s.scalars(insert(Alert).values(rows)
                                     .on_conflict_do_nothing(index_elements=["rule", "event_id"])
                                     .returning(Alert.id)))
            if advance:
                stmt = insert(RadarState).values(broadcaster=self._broadcaster, last_interaction_id=batch.last_id)
                s.execute(stmt.on_conflict_do_update(
                    index_elements=["broadcaster"],
                    set_={"last_interaction_id": func.greatest(RadarState.last_interaction_id,
                                                               stmt.excluded.last_interaction_id),
                          "updated_at": func.now()}))
            if not ids:
                return []
            notify(s, CHANNEL_ALERTS, {"broadcaster": self._broadcaster, "what": FIRED, "ids": sorted(ids)})
            return [dict(alert_build.alert(r).as_json(), bell=r.bell, kind="alert") for r in alerts_by_id(s, ids)]

    def _judge(self, s: Session, events: list[_Event], rules: list[AlertRule]) -> list[dict[str, Any]]:
        people = list({e.person_id for e in events})
        muted = set(s.scalars(select(AlertMute.person_id).where(AlertMute.person_id.in_(people))))
        events = [e for e in events if e.person_id not in muted and any(_WANTED[r.when] == e.type for r in rules)]
        if not events:
            return []
        facts = _Facts(s, events, rules, self._tiers)
        last = facts.last_fired(rules)
        out: list[dict[str, Any]] = []
        for e in events:
            for rule in rules:
                if _WANTED[rule.when] != e.type:
                    continue
                line = facts.text(rule, e)
                if line is None:
                    continue
                key = (e.person_id, rule.name)
                before = last.get(key)
                if before is not None and before <= e.at < before + timedelta(minutes=rule.cooldown_minutes):
                    continue
                last[key] = e.at
                out.append({"rule": rule.name, "person_id": e.person_id, "event_id": e.event_id,
                            "interaction_id": e.id, "event_at": e.at, "text": line, "bell": rule.bell})
        return out


class _Facts:
    """What the rules need to know of a batch's persons, read in a few queries."""

    def __init__(self, s: Session, events: list[_Event], rules: list[AlertRule], tiers: Any) -> None:
        self.s = s
        self.events = events
        self.tiers = tiers
        self.people = list({e.person_id for e in events})
        whens = {r.when for r in rules}
        self.first_tip: dict[uuid.UUID, int] = {}
        if "first_tip" in whens:
            self.first_tip = dict(s.execute(
                select(Interaction.person_id, func.min(Interaction.id))
                .where(Interaction.person_id.in_(self.people), Interaction.type == _TIP, Interaction.source == _CB)
                .group_by(Interaction.person_id)).all())
        self.previous: dict[int, datetime | None] = {}
        if "return" in whens:
            enters = [e.id for e in events if e.type == _ENTER]
            if enters:
                self.previous = dict(s.execute(text(
                    "SELECT e.id, (SELECT max(p.timestamp) FROM interactions p WHERE p.person_id = e.person_id"
                    " AND p.source = 'cb_events' AND p.id < e.id) FROM interactions e WHERE e.id = ANY(:ids)"
                ), {"ids": enters}).all())
        self.lists: dict[str, set[uuid.UUID]] = {}
        for name in {r.list for r in rules if r.list is not None}:
            self.lists[name] = set(s.scalars(
                select(WatchlistMember.person_id).join(Watchlist, Watchlist.id == WatchlistMember.watchlist_id)
                .where(func.lower(Watchlist.name) == name.lower(), WatchlistMember.person_id.in_(self.people))))
        # His tier is judged on the figures the room list shows (one rule: mhc_core.services.room_radar).
        self.figures: dict[uuid.UUID, room_radar.RadarFigures] = {}
        if any(r.tier is not None for r in rules):
            self.figures = room_radar.figures(s, self.people)

    def last_fired(self, rules: list[AlertRule]) -> dict[tuple[uuid.UUID, str], datetime]:
        """When each rule with a cooldown last fired for each of these persons."""
        names = [r.name for r in rules if r.cooldown_minutes > 0]
        if not names:
            return {}
        rows = self.s.execute(
            select(Alert.person_id, Alert.rule, func.max(Alert.event_at))
            .where(Alert.person_id.in_(self.people), Alert.rule.in_(names))
            .group_by(Alert.person_id, Alert.rule)).all()
        return {(pid, rule): at for pid, rule, at in rows}

    def text(self, rule: AlertRule, e: _Event) -> str | None:
        """The alert's line if `rule` fires on `e`, else None."""
        amount = e.tokens
        if rule.when == "tip":
            if amount is None or amount < (rule.min_tokens or 0):
                return None
            return tip_line(e.username, amount, e.content)
        if rule.when == "first_tip":
            if self.first_tip.get(e.person_id) != e.id or (rule.min_tokens and (amount or 0) < rule.min_tokens):
                return None
            return one_line(f"{e.username} tipped for the first time: {token_count(amount or 0)}", TEXT_LIMIT)
        if rule.when == "private_message":
            return private_message_line(e.username, e.content) if e.meta.get("direction") == "in" else None
        if rule.when == "return":
            before = self.previous.get(e.id)
            if before is None or e.at - before < timedelta(days=rule.away_days or 0):
                return None
            return one_line(f"{e.username} is back after {(e.at - before).days} days", TEXT_LIMIT)
        # enter
        parts = [f"{e.username} entered"]
        if rule.list is not None:
            if e.person_id not in self.lists.get(rule.list, set()):
                return None
            parts.append(f"on {rule.list}")
        if rule.tier is not None:
            known = self.figures.get(e.person_id, room_radar.NOTHING_KNOWN)
            statbate, room = known.statbate_all_time, known.room_tokens
            tier = self.tiers.of(statbate, room)
            if not at_least(tier, rule.tier):
                return None
            parts.append(str(tier))
            if statbate is not None:
                parts.append(f"{grouped(statbate)} on Statbate")
            elif room:
                parts.append(f"{grouped(room)} in the room")
        return one_line(" · ".join(parts), TEXT_LIMIT)
