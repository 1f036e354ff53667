"""Console fixtures: an app bound to the test database with a fixed clock, and a seeded room."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from mhc_core.config import Settings
from mhc_core.db import Database
from mhc_core.db.models import EventLog, InteractionSource, SnapshotSource
from mhc_core.services import interactions, persons, sessions, snapshots
from mhc_tui.app import MHCApp

NOW = datetime(2026, 11, 24, 21, 30, tzinfo=UTC)
BROADCASTER = "hudson_cage"


def fixed_clock() -> datetime:
    return NOW


@pytest.fixture
def settings(database_url: str, tmp_path) -> Settings:  # type: ignore[no-untyped-def]
    # UTC display zone so snapshots do not depend on the machine's zone.
    return Settings(database_url=database_url, log_dir=tmp_path / "logs", data_dir=tmp_path / "data", timezone="UTC")


@pytest.fixture
def make_app(settings: Settings, db: Database) -> Callable[..., MHCApp]:
    """`make_app(**kw)`: an MHCApp on the test database, fixed clock, no capture unless asked."""

    def make(**kw: Any) -> MHCApp:
        kw.setdefault("clock", fixed_clock)
        kw.setdefault("database", db)
        kw.setdefault("start_capture", False)
        return MHCApp(kw.pop("settings", settings), **kw)

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


async def wait_until(pilot, predicate: Callable[[], bool], timeout: float = 8.0, what: str = "") -> None:  # type: ignore[no-untyped-def]
    """Let the app run until `predicate()` holds (workers and NOTIFY are asynchronous)."""
    loop_time = 0.0
    while not predicate():
        if loop_time >= timeout:
            raise AssertionError(f"timed out waiting for {what or predicate}")
        await pilot.pause(0.05)
        loop_time += 0.05


def notices(app: MHCApp) -> list[str]:
    return [n.message for n in app._notifications]


def dashboard_loaded(app: MHCApp) -> bool:
    from mhc_tui.screens.dashboard import DashboardScreen

    screen = app.screen
    return isinstance(screen, DashboardScreen) and screen.event_feed.loaded and screen._loaded
