"""Lookup with Statbate: ask Statbate first (network, no database), then resolve and store in one go.

Asking before writing lets a renamed person be recognised by their stable `did`/`rid` before a
second row could be created for the new name; history (interactions, snapshots) is never rewritten.
Every Statbate failure becomes an entry of `errors`; the local part of the lookup always happens.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from mhc_core.clients.errors import ClientError
from mhc_core.clients.rate import shared_rate
from mhc_core.clients.statbate import (
    StatbateClient,
    normalize_member_info,
    normalize_member_model_spending,
    normalize_model_info,
)
from mhc_core.config import Settings
from mhc_core.db.engine import Database
from mhc_core.db.models import Person, Role, Snapshot, SnapshotSource
from mhc_core.db.notify import CHANNEL_STATS, notify
from mhc_core.services import lookup as local_lookup
from mhc_core.services import persons, snapshots

log = logging.getLogger(__name__)

NOT_CONFIGURED = "Statbate is not configured (set MHC_STATBATE_TOKEN)"
FOUND, NOT_FOUND, FAILED, NOT_ASKED = "found", "not_found", "error", "not_asked"


@dataclass
class Finding:
    """What Statbate said about one name: raw payloads (None when unknown) and the outcome of each ask."""

    member: dict | None = None
    model: dict | None = None
    member_state: str = NOT_ASKED
    model_state: str = NOT_ASKED
    # What Statbate saw this member tip the broadcaster (asked for the primary name only).
    member_model: dict | None = None
    member_model_state: str = NOT_ASKED

    @property
    def did(self) -> int | None:
        return normalize_member_info(self.member)["did"] if self.member else None

    @property
    def rid(self) -> int | None:
        return normalize_model_info(self.model)["rid"] if self.model else None

    def inferred_role(self) -> str | None:
        if self.model is not None and self.member is not None:
            return Role.BOTH.value
        if self.model is not None:
            return Role.MODEL.value
        if self.member is not None:
            return Role.VIEWER.value
        return None


@dataclass
class Findings:
    by_name: dict[str, Finding] = field(default_factory=dict)
    errors: list[dict[str, str]] = field(default_factory=list)

    def error(self, exc: ClientError) -> None:
        entry = {"source": "statbate", "message": exc.message}
        if entry not in self.errors:
            self.errors.append(entry)


async def fetch(client: StatbateClient, names: list[str], *, broadcaster: str | None = None) -> Findings:
    """The primary name: model and member info, and (given `broadcaster`, unless it is him) what Statbate
    saw them tip him. Further names: one batch request for member info."""
    findings = Findings({name: Finding() for name in names})
    primary, others = names[0], names[1:]
    first = findings.by_name[primary]

    async def ask_member() -> None:
        try:
            first.member = await client.member_info(primary)
            first.member_state = FOUND if first.member is not None else NOT_FOUND
        except ClientError as exc:
            first.member_state = FAILED
            findings.error(exc)

    async def ask_model() -> None:
        try:
            first.model = await client.model_info(primary)
            first.model_state = FOUND if first.model is not None else NOT_FOUND
        except ClientError as exc:
            first.model_state = FAILED
            findings.error(exc)

    async def ask_batch() -> None:
        try:
            answers = await client.members_info_batch(others)
        except ClientError as exc:
            for name in others:
                findings.by_name[name].member_state = FAILED
            findings.error(exc)
            return
        for name in others:
            item = answers.get(name)
            findings.by_name[name].member = item
            findings.by_name[name].member_state = FOUND if item is not None else NOT_FOUND

    async def ask_member_model() -> None:
        assert broadcaster is not None
        try:
            first.member_model = await client.member_model_spending(primary, broadcaster)
            first.member_model_state = FOUND if first.member_model is not None else NOT_FOUND
        except ClientError as exc:
            first.member_model_state = FAILED
            findings.error(exc)

    tasks = [ask_member(), ask_model()] + ([ask_batch()] if others else [])
    if broadcaster is not None and primary != broadcaster:
        tasks.append(ask_member_model())
    await asyncio.gather(*tasks)
    return findings


def resolve_renames(session: Session, findings: Findings) -> list[dict[str, str]]:
    """A name whose did/rid is known under another username is that person, now renamed."""
    notes: list[dict[str, str]] = []
    for name, finding in findings.by_name.items():
        if finding.did is None and finding.rid is None:
            continue
        known = persons.find_by_external_id(session, did=finding.did, rid=finding.rid)
        if known is None or known.username == name:
            continue
        holder = persons.find_person(session, name)
        if holder is not None and holder.id != known.id:
            # Two rows for one human; merging would rewrite history, so both stay and we say so.
            message = f"{name} is {known.username} renamed (Statbate id match); both records are kept"
            log.warning(message)
            notes.append({"source": "statbate", "message": message})
            continue
        log.info("statbate: %s is %s renamed (did=%s rid=%s)", name, known.username, finding.did, finding.rid)
        persons.rename(session, known, name)
    return notes


def _stored(session: Session, snapshot: Snapshot) -> None:
    """Announce a stored Statbate snapshot, so a console showing the person reads it."""
    notify(session, CHANNEL_STATS, {"person_id": str(snapshot.person_id), "snapshot_id": snapshot.id,
                                    "source": snapshot.source})


def _store(session: Session, person: Person, finding: Finding, *, role_given: bool, at: datetime) -> None:
    if finding.member is not None:
        metrics = normalize_member_info(finding.member)
        _stored(session, snapshots.append(session, person.id, SnapshotSource.STATBATE_MEMBER.value, finding.member,
                                          metrics, captured_at=at))
        if metrics["did"] is not None and persons.find_by_external_id(session, did=metrics["did"]) is None:
            person.did = metrics["did"]
    if finding.model is not None:
        metrics = normalize_model_info(finding.model)
        _stored(session, snapshots.append(session, person.id, SnapshotSource.STATBATE_MODEL.value, finding.model,
                                          metrics, captured_at=at))
        if metrics["rid"] is not None and persons.find_by_external_id(session, rid=metrics["rid"]) is None:
            person.rid = metrics["rid"]
    if finding.member_model is not None:
        _stored(session, snapshots.append(session, person.id, SnapshotSource.STATBATE_MEMBER_MODEL.value,
                                          finding.member_model, normalize_member_model_spending(finding.member_model),
                                          captured_at=at))
    role = finding.inferred_role()
    if role is not None and not role_given:
        # Only what was asked can be known: a batch answer says nothing about being a model.
        person.role = role if finding.model_state != NOT_ASKED else persons.merge_role(person.role, role)
    person.updated_at = at
    session.flush()


def store_member(session: Session, person: Person, member: dict, *, at: datetime) -> None:
    """Store a batch answer's member info for `person` as a lookup of several names does."""
    _store(session, person, Finding(member=member, member_state=FOUND), role_given=False, at=at)


@dataclass
class LookupOutcome:
    person_id: uuid.UUID
    person_ids: list[uuid.UUID]
    extracted_usernames: list[str]
    errors: list[dict[str, str]]
    statbate: dict[str, dict[str, str]]


async def lookup(
    db: Database,
    settings: Settings,
    *,
    username: str | None = None,
    paste: str | None = None,
    role: str | None = None,
    include_statbate: bool = True,
    client: StatbateClient | None = None,
    at: datetime | None = None,
) -> LookupOutcome:
    """The whole lookup: plan names, ask Statbate (if wanted and configured), then one transaction."""
    names, _extracted = local_lookup.plan_names(username=username, paste=paste, broadcaster=settings.broadcaster)
    findings = Findings({name: Finding() for name in names})
    if include_statbate:
        if client is not None:
            findings = await fetch(client, names, broadcaster=settings.broadcaster)
        elif settings.statbate_token is None:
            findings.errors.append({"source": "statbate", "message": NOT_CONFIGURED})
        else:
            own = StatbateClient(settings.statbate_base_url, settings.statbate_token.get_secret_value(),
                                 rate=shared_rate(settings.statbate_rate_per_minute))
            try:
                findings = await fetch(own, names, broadcaster=settings.broadcaster)
            finally:
                await own.aclose()

    def write() -> LookupOutcome:
        now = at or datetime.now(UTC)
        with db.session() as session:
            notes = resolve_renames(session, findings)
            result = local_lookup.lookup(session, username=username, paste=paste, role=role,
                                         broadcaster=settings.broadcaster, at=now)
            for person in result.persons:
                finding = findings.by_name.get(person.username)
                if finding is not None:
                    _store(session, person, finding, role_given=role is not None and person is result.persons[0],
                           at=now)
            return LookupOutcome(
                person_id=result.persons[0].id,
                person_ids=[p.id for p in result.persons],
                extracted_usernames=result.extracted_usernames,
                errors=findings.errors + notes,
                statbate={name: {"member": f.member_state, "model": f.model_state,
                                 "member_model": f.member_model_state}
                          for name, f in findings.by_name.items()},
            )

    return await asyncio.to_thread(write)

