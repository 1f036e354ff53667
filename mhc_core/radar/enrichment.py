"""Enrichment: who walks in, tips or writes is asked of Statbate once per broadcast, in batches.

Names gather for a moment (or until a full batch of 100 waits), those with a fresh `statbate_member`
snapshot are skipped in one query, the rest go to Statbate's batch endpoint, and every known member is
stored as the same snapshot a lookup stores, one transaction per batch, announced on mhc_radar. Every
request goes through the process's Statbate budget. Database work runs on this enricher's own thread,
never on the capture's.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from mhc_core.capture.status import ComponentStatus, State
from mhc_core.channels import CHANNEL_RADAR
from mhc_core.clients.errors import AuthError, ClientError, TransientError
from mhc_core.clients.rate import shared_rate
from mhc_core.clients.statbate import StatbateClient
from mhc_core.config import Settings
from mhc_core.db.engine import Database
from mhc_core.db.models import Person, Snapshot, SnapshotSource
from mhc_core.db.notify import notify
from mhc_core.services import persons
from mhc_core.services.feed import room_now
from mhc_core.services.statbate_lookup import Finding, Findings, resolve_renames, store_member
from mhc_core.username import is_username

log = logging.getLogger(__name__)

T = TypeVar("T")

BATCH = 100  # the most names Statbate's batch endpoint takes
# Arrivals gather until GATHER s pass without one, a full batch waits, or GATHER_LONGEST s: a lone
# arrival is asked within a moment, and a busy minute costs few requests.
GATHER, GATHER_LONGEST = 0.3, 2.0
FIRST_PAUSE, LONGEST_PAUSE = 30.0, 300.0
ARRIVALS = frozenset({"USER_ENTER", "TIP_EVENT", "CHAT_MESSAGE", "PRIVATE_MESSAGE"})
RATE_LIMITED = "Statbate is rate limiting (HTTP 429): enrichment paused {} s"
TOKEN_REJECTED = "Statbate rejected the token: enrichment stopped"


class Enricher:
    def __init__(
        self,
        settings: Settings,
        db: Database,
        *,
        report: Callable[[ComponentStatus], None],
        client: StatbateClient | None = None,
        first_pause: float = FIRST_PAUSE,
    ) -> None:
        self._settings, self._db, self._report = settings, db, report
        self._first_pause = first_pause
        self._client = client
        self._refresh = timedelta(hours=settings.statbate_refresh_hours)
        self._seen: set[str] = set()  # wanted this broadcast
        self._pending: dict[str, None] = {}  # queued, in arrival order
        self._done: dict[str, asyncio.Event] = {}  # set when the name is settled
        self._unknown: dict[str, float] = {}  # names Statbate does not know -> when it said so (monotonic)
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._dead = client is None and settings.statbate_token is None
        self._paused_until = 0.0
        self._pause = first_pause
        self._trouble: str | None = None  # the state last reported while not working

    # -- the interface --------------------------------------------------------------------------

    def want(self, events: list[dict[str, Any]]) -> None:
        """Queue the people of a committed batch who are new this broadcast. On the loop; returns at once."""
        names: list[str] = []
        for event in events:
            if event.get("type") == "BROADCAST_START":
                self._want_names(names)
                names.clear()
                self._new_broadcast()
            elif event.get("type") in ARRIVALS and not event.get("is_anon"):
                names.append(str(event.get("username") or ""))
        self._want_names(names)

    async def settled(self, usernames: list[str], timeout: float) -> None:
        """Return when each name is enriched, fresh, unknown or failed, or after `timeout` seconds."""
        self._want_names(usernames)
        waits = [self._done[n].wait() for n in (n.lower() for n in usernames) if n in self._done]
        if not waits:
            return
        tasks = [asyncio.ensure_future(w) for w in waits]
        try:
            await asyncio.wait(tasks, timeout=timeout)
        finally:
            for task in tasks:
                task.cancel()

    async def run(self) -> None:
        """Until stop(): gather, skip the fresh, ask Statbate, store. Statbate failures never end it."""
        self._loop = asyncio.get_running_loop()
        executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="mhc-enrichment")
        own = self._client is None and not self._dead
        if own:
            assert self._settings.statbate_token is not None
            self._client = StatbateClient(
                self._settings.statbate_base_url, self._settings.statbate_token.get_secret_value(),
                rate=shared_rate(self._settings.statbate_rate_per_minute),
            )
        try:
            await self._want_room(executor)
            while not self._stopping.is_set():
                await self._wait(self._wake)
                self._wake.clear()
                if self._stopping.is_set():
                    break
                await self._gather()
                pause = self._paused_until - time.monotonic()
                if pause > 0:
                    await self._wait(self._stopping, pause)
                    if self._stopping.is_set():
                        break
                names = list(self._pending)
                self._pending.clear()
                await self._enrich(names, executor)
                if self._pending:
                    self._wake.set()
        finally:
            self._settle(self._pending)
            if own and self._client is not None:
                await self._client.aclose()
                self._client = None
            executor.shutdown(wait=False)

    def stop(self) -> None:
        """From any thread."""
        if self._loop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._stopping.set)
        else:
            self._stopping.set()

    # -- the work -------------------------------------------------------------------------------

    def _new_broadcast(self) -> None:
        self._seen.clear()
        self._done = {n: e for n, e in self._done.items() if not e.is_set()}

    def _want_names(self, raw: Iterable[str]) -> None:
        own = self._settings.broadcaster
        fresh_unknown = time.monotonic() - self._refresh.total_seconds()
        added = False
        for name in raw:
            name = name.lower()
            if name == own or name in self._seen or not is_username(name):
                continue
            self._seen.add(name)
            done = self._done.get(name)
            if done is None or done.is_set():  # one still unset is awaited by someone: keep it
                self._done[name] = done = asyncio.Event()
            if self._dead or self._unknown.get(name, float("-inf")) > fresh_unknown:
                done.set()
                continue
            if self._paused_until > time.monotonic():
                done.set()  # nobody waits on a paused Statbate; the name is still asked once it answers
            self._pending[name] = None
            added = True
        if added:
            self._wake.set()

    def _settle(self, names: Iterable[str]) -> None:
        for name in names:
            done = self._done.get(name)
            if done is not None:
                done.set()

    async def _gather(self) -> None:
        deadline = time.monotonic() + GATHER_LONGEST
        while len(self._pending) < BATCH and not self._stopping.is_set():
            left = deadline - time.monotonic()
            if left <= 0:
                return
            self._wake.clear()
            await self._wait(self._wake, min(GATHER, left))
            if not self._wake.is_set():
                return  # quiet: nobody new arrived

    async def _wait(self, event: asyncio.Event, timeout: float | None = None) -> None:
        """Until `event` or stop(), or `timeout` seconds."""
        waits = {asyncio.ensure_future(event.wait()), asyncio.ensure_future(self._stopping.wait())}
        try:
            await asyncio.wait(waits, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in waits:
                task.cancel()

    async def _in_thread(self, executor: ThreadPoolExecutor, work: Callable[[], T]) -> T:
        return await asyncio.get_running_loop().run_in_executor(executor, work)

    async def _want_room(self, executor: ThreadPoolExecutor) -> None:
        """After a restart mid-show, those already in the room are asked too."""
        def read() -> list[str]:
            with self._db.session() as session:
                return [entry.username for entry in room_now(session, self._settings.broadcaster)]

        try:
            self._want_names(await self._in_thread(executor, read))
        except SQLAlchemyError as exc:
            log.error("enrichment: cannot read who is in the room: %s", exc, exc_info=exc)

    async def _enrich(self, names: list[str], executor: ThreadPoolExecutor) -> None:
        if self._dead or self._client is None:
            self._settle(names)
            return
        try:
            fresh = await self._in_thread(executor, lambda: self._fresh(names))
        except SQLAlchemyError as exc:
            log.error("enrichment: cannot read which snapshots are fresh: %s", exc, exc_info=exc)
            self._settle(names)
            return
        self._settle(fresh)
        asking = [n for n in names if n not in fresh]
        for start in range(0, len(asking), BATCH):
            chunk = asking[start : start + BATCH]
            try:
                answers = await self._client.members_info_batch(chunk)
            except AuthError:
                self._dead = True
                self._report(ComponentStatus("statbate", "auth_failed", TOKEN_REJECTED))
                log.error("enrichment: %s", TOKEN_REJECTED)
                self._settle(asking)
                return
            except TransientError as exc:
                self._paused(exc)
                rest = asking[start:]
                self._settle(rest)
                for name in rest:
                    self._pending[name] = None
                return
            except ClientError as exc:
                log.warning("enrichment: Statbate refused a batch of %d names: %s", len(chunk), exc)
                self._settle(chunk)
                continue
            self._working()
            known = {name: item for name, item in answers.items() if item is not None and name in chunk}
            now = time.monotonic()
            for name in chunk:
                if name not in known:
                    self._unknown[name] = now
            try:
                if known:
                    await self._in_thread(executor, partial(self._store, known))
            except SQLAlchemyError as exc:
                log.error("enrichment: cannot store %d Statbate members: %s", len(known), exc, exc_info=exc)
            self._settle(chunk)

    def _paused(self, exc: TransientError) -> None:
        seconds = max(self._pause, min(exc.retry_after or 0.0, LONGEST_PAUSE))
        self._paused_until = time.monotonic() + seconds
        self._pause = min(self._pause * 2, LONGEST_PAUSE)
        state: State
        if exc.status == 429:
            state, message = "retrying", RATE_LIMITED.format(f"{seconds:.0f}")
        else:
            state, message = "unreachable", f"{exc.message}: enrichment paused {seconds:.0f} s"
        log.warning("enrichment: %s", message)
        if self._trouble != state:
            self._trouble = state
            self._report(ComponentStatus("statbate", state, message, retry_in=seconds))

    def _working(self) -> None:
        self._pause = self._first_pause
        self._paused_until = 0.0
        if self._trouble is not None:
            self._trouble = None
            self._report(ComponentStatus("statbate", "connected", "Statbate answers again: enrichment resumed"))

    # -- on the enricher's thread ------------------------------------------------------------------

    def _fresh(self, names: list[str]) -> set[str]:
        """Which of `names` have a statbate_member snapshot newer than the refresh period (one query)."""
        if not names or self._refresh <= timedelta(0):
            return set()
        since = datetime.now(UTC) - self._refresh
        with self._db.session() as session:
            return set(session.scalars(
                select(Person.username).distinct()
                .join(Snapshot, Snapshot.person_id == Person.id)
                .where(Person.username.in_(names), Snapshot.source == SnapshotSource.STATBATE_MEMBER.value,
                       Snapshot.captured_at >= since)
            ))

    def _store(self, known: dict[str, dict]) -> None:
        """One transaction: each known member's snapshot (the person created if new), and the NOTIFY."""
        at = datetime.now(UTC)
        with self._db.session() as session:
            resolve_renames(session, Findings({name: Finding(member=item) for name, item in known.items()}))
            ids = persons.ensure_persons(session, list(known), seen_at=at)
            people = {p.username: p for p in session.scalars(select(Person).where(Person.id.in_(ids.values())))}
            for name, item in known.items():
                store_member(session, people[name], item, at=at)
            notify(session, CHANNEL_RADAR, {"broadcaster": self._settings.broadcaster, "count": len(known)})
