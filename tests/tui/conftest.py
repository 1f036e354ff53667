"""Console fixtures: an app bound to the test database with a fixed clock, and a seeded room; waiting
for the app's work to be done."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from textual.notifications import SeverityLevel
from textual.pilot import Pilot
from textual.worker import Worker, WorkerCancelled, WorkerFailed

from mhc_core.config import Settings
from mhc_core.db import Database
from mhc_core.db.models import EventLog, InteractionSource, SnapshotSource
from mhc_core.services import interactions, persons, sessions, snapshots
from mhc_tui.app import MHCApp
from mhc_tui.live import LiveHub

NOW = datetime(2026, 11, 24, 21, 30, tzinfo=UTC)
BROADCASTER = "hudson_cage"


def fixed_clock() -> datetime:
    return NOW


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    # UTC display zone so snapshots do not depend on the machine's zone.
    return Settings(database_url=database_url, log_dir=tmp_path / "logs", data_dir=tmp_path / "data", timezone="UTC")


# Every notification each app showed (a toast goes away after its timeout; this list does not).
_SAID: weakref.WeakKeyDictionary[MHCApp, list[str]] = weakref.WeakKeyDictionary()


def _recording(app: MHCApp) -> MHCApp:
    said: list[str] = []
    shown = app.notify

    def notify(message: str, *, title: str = "", severity: SeverityLevel = "information",
               timeout: float | None = None, markup: bool = True) -> None:
        said.append(message)
        shown(message, title=title, severity=severity, timeout=timeout, markup=markup)

    app.notify = notify  # type: ignore[method-assign]  # the App's own notify, watched
    _SAID[app] = said
    return app


@pytest.fixture
def make_app(settings: Settings, db: Database) -> Callable[..., MHCApp]:
    """`make_app(**kw)`: the console on the test database, fixed clock, no capture unless asked."""

    def make(**kw: Any) -> MHCApp:
        kw.setdefault("clock", fixed_clock)
        kw.setdefault("database", db)
        kw.setdefault("start_capture", False)
        return _recording(MHCApp(kw.pop("settings", settings), **kw))

    return make


@dataclass
class SeededRoom:
    session_id: int
    previous_session_id: int
    person_ids: dict[str, uuid.UUID] = field(default_factory=dict)
    last_interaction_id: int = 0


def _at(hh: int, mm: int, ss: int = 0, day: int = 24) -> datetime:
    return datetime(2026, 11, day, hh, mm, ss, tzinfo=UTC)


# (time, username, type, content, tokens)
LIVE_EVENTS: tuple[tuple[datetime, str, str, str | None, int | None], ...] = (
    (_at(20, 0, 5), "alice_01", "USER_ENTER", None, None),
    (_at(20, 1, 10), "bob_the_tipper", "USER_ENTER", None, None),
    (_at(20, 2, 0), "alice_01", "CHAT_MESSAGE", "hi hudson! 👋", None),
    (_at(20, 3, 30), "bob_the_tipper", "TIP_EVENT", "for the playlist", 100),
    (_at(20, 5, 0), "carol_x", "USER_ENTER", None, None),
    (_at(20, 6, 45), "carol_x", "FOLLOW", None, None),
    (_at(20, 9, 0), "dave99", "USER_ENTER", None, None),
    (_at(20, 12, 0), "dave99", "PRIVATE_MESSAGE", "are you doing a show on friday?", None),
    (_at(20, 20, 0), "alice_01", "TIP_EVENT", None, 25),
    (_at(20, 31, 0), "eve_lurker", "USER_ENTER", None, None),
    (_at(20, 40, 0), "dave99", "USER_LEAVE", None, None),
    (_at(20, 55, 0), "bob_the_tipper", "CHAT_MESSAGE", "that was great", None),
    (_at(21, 2, 0), "carol_x", "TIP_EVENT", "tip menu: song request", 500),
    (_at(21, 10, 0), "frank_new", "USER_ENTER", None, None),
    (_at(21, 15, 0), "eve_lurker", "USER_LEAVE", None, None),
    (_at(21, 20, 0), "frank_new", "CHAT_MESSAGE", "first time here", None),
    (_at(21, 29, 30), "alice_01", "CHAT_MESSAGE", "brb", None),
)


def seed_room_into(db: Database) -> SeededRoom:
    with db.session() as s:
        me = persons.find_or_create(s, BROADCASTER, role="MODEL")
        previous = sessions.start(s, BROADCASTER, at=_at(20, 0, day=23))
        bob = persons.find_or_create(s, "bob_the_tipper", role="VIEWER")
        interactions.append(s, bob.id, "TIP_EVENT", timestamp=_at(21, 0, day=23), source="cb_events",
                            metadata={"tokens": 250}, event_id="seed-prev-1", stream_session_id=previous.id)
        sessions.end(s, BROADCASTER, at=_at(23, 10, day=23))
        live = sessions.start(s, BROADCASTER, at=_at(20, 0))
        room = SeededRoom(session_id=live.id, previous_session_id=previous.id)
        room.person_ids[BROADCASTER] = me.id
        for n, (when, name, kind, content, tokens) in enumerate(LIVE_EVENTS):
            person = persons.find_or_create(s, name, role="VIEWER", seen_at=when)
            room.person_ids[name] = person.id
            row = interactions.append(
                s, person.id, kind, content=content, timestamp=when, source=InteractionSource.CB_EVENTS.value,
                metadata={"tokens": tokens} if tokens is not None else {}, event_id=f"seed-{n}",
                stream_session_id=live.id,
            )
            room.last_interaction_id = row.id
        s.add(EventLog(event_id="seed-journal-last", broadcaster=BROADCASTER, method="chatMessage",
                       payload={}, event_time=LIVE_EVENTS[-1][0], received_at=LIVE_EVENTS[-1][0]))
        base = {"token_balance": 10_000, "tips_in_last_hour": 0, "num_followers": 1_200, "num_viewers": 0,
                "num_registered_viewers": 0, "num_tokened_viewers": 0, "satisfaction_score": 96,
                "votes_up": 300, "votes_down": 12, "time_online_minutes": None, "online": False,
                "last_broadcast": "2026-11-23T23:10:00"}
        later = base | {"token_balance": 10_525, "tips_in_last_hour": 500, "num_followers": 1_206,
                        "num_viewers": 41, "num_registered_viewers": 30, "num_tokened_viewers": 9,
                        "time_online_minutes": 80, "online": True, "votes_up": 304}
        latest = later | {"token_balance": 10_625, "tips_in_last_hour": 525, "num_followers": 1_207,
                          "num_viewers": 44, "time_online_minutes": 85, "votes_up": 305}
        for when, metrics in ((_at(19, 55), base), (_at(21, 20), later), (_at(21, 25), latest)):
            snapshots.append(s, me.id, SnapshotSource.CB_STATS.value, {"seed": True}, metrics, captured_at=when)
    return room


@pytest.fixture
def seed_room(db: Database) -> SeededRoom:
    """A LIVE session since 20:00 UTC with enters/leaves, chat, tips, a PM and a follow; an ended session the
    day before; three cb_stats snapshots (19:55, 21:20, 21:25). Timestamps are fixed, so screens are too."""
    return seed_room_into(db)


def later(minutes: int) -> datetime:
    return NOW + timedelta(minutes=minutes)


# Workers that run as long as the console does: never "done".
LONG_LIVED = frozenset({"notify", "capture"})
# What no worker or notification announces (a timer: the health line's tick, a retry) is looked at
# again after this long.
RECHECK_SECONDS = 0.1


async def _done(worker: Worker[Any]) -> None:
    with contextlib.suppress(WorkerFailed, WorkerCancelled):  # the App has reported a failure
        await worker.wait()


async def settle(pilot: Pilot[Any], timeout: float = 15.0) -> None:
    """Until the work the app has in hand is done, then the screen updated: every worker but the
    long-lived ones (a write, a lookup, the connection), and every live read running or due.

    Bounded: on a loaded machine periodic reads can keep the app from ever being idle, and a test
    must then fail with what was busy rather than hang. The bound allows for a 2-core machine running
    the whole suite, where a dashboard's half-dozen reads each wait for a core."""
    app = pilot.app
    hub = LiveHub.of(app)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        busy = [w for w in app.workers if w.group not in LONG_LIVED and not w.is_finished]
        if not busy and hub.idle:
            break
        left = deadline - loop.time()
        if left <= 0:
            raise AssertionError(f"the app did not settle within {timeout} s (workers {[w.name for w in busy]}, "
                                 f"live reads idle: {hub.idle})")
        with contextlib.suppress(TimeoutError):
            if busy:
                await asyncio.wait_for(asyncio.gather(*(_done(w) for w in busy)), left)
            else:
                await asyncio.wait_for(hub.settled(), left)
    await pilot.pause()


async def wait_until(pilot: Pilot[Any], predicate: Callable[[], bool], timeout: float = 8.0,
                     what: str = "") -> None:
    """Let the app work until `predicate()` holds: each round lets the work in hand finish (`settle`),
    then waits for the next notification or end of a read (a change from another process, say)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    hub = LiveHub.of(pilot.app)
    await _settle_until(pilot, deadline)
    while not predicate():
        if loop.time() >= deadline:
            raise AssertionError(f"timed out waiting for {what or predicate}")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(hub.next_activity(), RECHECK_SECONDS)
        await _settle_until(pilot, deadline)


async def _settle_until(pilot: Pilot[Any], deadline: float) -> None:
    """settle(), but a still-busy app only ends the wait at `deadline`; the predicate decides."""
    left = max(deadline - asyncio.get_running_loop().time(), RECHECK_SECONDS)
    with contextlib.suppress(AssertionError):
        await settle(pilot, timeout=left)


def notices(app: MHCApp) -> list[str]:
    """Every notification the app showed."""
    return _SAID[app]


def dashboard_loaded(app: MHCApp) -> bool:
    from mhc_tui.screens.dashboard import DashboardScreen

    screen = app.screen
    return isinstance(screen, DashboardScreen) and screen.loaded
