"""Enrichment of arrivals from Statbate, against the fake over a socket and a real database."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import SecretStr
from sqlalchemy import func, select

from mhc_core.capture.status import ComponentStatus
from mhc_core.channels import CHANNEL_RADAR
from mhc_core.clients.errors import RequestError
from mhc_core.clients.rate import RateLimit
from mhc_core.clients.statbate import StatbateClient
from mhc_core.config import Settings
from mhc_core.db.models import Interaction, InteractionSource, Person, Snapshot
from mhc_core.db.notify import listen
from mhc_core.radar.enrichment import Enricher
from mhc_core.services import persons
from tests.cli.helpers import run
from tests.radar.test_rate import FakeTime, most_in_a_minute

BATCH_PATH = "/statbate/api/members/chaturbate/info/batch"


def enters(names: list[str]) -> list[dict[str, Any]]:
    return [{"event_id": f"1700000000000-{i}", "type": "USER_ENTER", "username": n} for i, n in enumerate(names)]


def batch_requests(fake) -> list[Any]:
    return [r for r in fake.requests_for("statbate") if r.path == BATCH_PATH]


def asked(fake) -> list[str]:
    return [name for r in batch_requests(fake) for name in r.json()["names"]]


def member_snapshots(db) -> dict[str, int]:
    with db.session() as s:
        rows = s.execute(
            select(Person.username, func.count(Snapshot.id)).join(Snapshot, Snapshot.person_id == Person.id)
            .where(Snapshot.source == "statbate_member").group_by(Person.username)
        )
        return {name: count for name, count in rows}


@pytest.fixture
def sb_settings(settings: Settings, fake_apis) -> Settings:
    return settings.model_copy(update={"statbate_base_url": fake_apis.statbate_base_url,
                                       "statbate_token": SecretStr(fake_apis.statbate_token)})


@asynccontextmanager
async def running(settings: Settings, db, **options: Any) -> AsyncIterator[tuple[Enricher, list[ComponentStatus]]]:
    reports: list[ComponentStatus] = []
    enricher = Enricher(settings, db, report=reports.append, **options)
    task = asyncio.create_task(enricher.run())
    try:
        yield enricher, reports
    finally:
        enricher.stop()
        await asyncio.wait_for(task, 10)


@pytest.mark.parametrize("spacing", [0.01, 0.2], ids=["at-once", "over-3-s"])
async def test_150_enters_cost_two_batches_and_everyone_is_stored(
    db, sb_settings, fake_apis_factory, spacing: float
) -> None:
    fake = fake_apis_factory(every_name_a_member=True)
    settings = sb_settings.model_copy(update={"statbate_base_url": fake.statbate_base_url})
    names = [f"fan_{i:03d}" for i in range(150)]
    async with running(settings, db) as (enricher, reports):
        for start in range(0, 150, 10):  # the listener commits the burst in several batches
            enricher.want(enters(names[start : start + 10]))
            await asyncio.sleep(spacing)
        await enricher.settled(names, timeout=10)
    assert len(batch_requests(fake)) <= 2
    assert all(len(r.json()["names"]) <= 100 for r in batch_requests(fake))
    assert member_snapshots(db) == {n: 1 for n in names}
    assert reports == []


async def test_the_broadcaster_anonymous_tips_and_repeats_are_not_asked(db, sb_settings, fake_apis) -> None:
    fake_apis.add_member("tipper_1")
    fake_apis.add_member("chatter_2")
    events = [
        {"type": "USER_ENTER", "username": "hudson_cage"},
        {"type": "TIP_EVENT", "username": "tipper_1", "tokens": 50},
        {"type": "TIP_EVENT", "username": "anon_x", "tokens": 5, "is_anon": True},
        {"type": "CHAT_MESSAGE", "username": "chatter_2"},
        {"type": "USER_LEAVE", "username": "leaver_3"},
        {"type": "CHAT_MESSAGE", "username": "tipper_1"},
    ]
    async with running(sb_settings, db) as (enricher, _):
        enricher.want(events)
        await enricher.settled(["tipper_1", "chatter_2"], timeout=10)
    assert sorted(asked(fake_apis)) == ["chatter_2", "tipper_1"]
    assert member_snapshots(db) == {"tipper_1": 1, "chatter_2": 1}


async def test_a_fresh_snapshot_is_not_fetched_again(db, sb_settings, fake_apis) -> None:
    fake_apis.add_member("regular_1")
    async with running(sb_settings, db) as (enricher, _):
        await enricher.settled(["regular_1"], timeout=10)
    async with running(sb_settings, db) as (enricher, _):  # a restart: nothing in memory
        enricher.want(enters(["regular_1"]))
        await enricher.settled(["regular_1"], timeout=10)
    assert asked(fake_apis) == ["regular_1"]
    assert member_snapshots(db) == {"regular_1": 1}


async def test_a_stale_snapshot_is_fetched_again(db, sb_settings, fake_apis) -> None:
    fake_apis.add_member("regular_1")
    settings = sb_settings.model_copy(update={"statbate_refresh_hours": 0})
    for _ in range(2):
        async with running(settings, db) as (enricher, _):
            await enricher.settled(["regular_1"], timeout=10)
    assert asked(fake_apis) == ["regular_1", "regular_1"]
    assert member_snapshots(db) == {"regular_1": 2}


async def test_names_statbate_does_not_know_are_stored_as_nothing_and_not_asked_again(
    db, sb_settings, fake_apis
) -> None:
    fake_apis.add_member("known_1")
    async with running(sb_settings, db) as (enricher, _):
        enricher.want(enters(["known_1", "ghost_1"]))
        await enricher.settled(["known_1", "ghost_1"], timeout=10)
        enricher.want([{"type": "BROADCAST_START", "username": "hudson_cage"}, *enters(["ghost_1"])])
        await enricher.settled(["ghost_1"], timeout=10)
        await asyncio.sleep(0.5)
    assert sorted(asked(fake_apis)) == ["ghost_1", "known_1"]
    assert member_snapshots(db) == {"known_1": 1}
    with db.session() as s:
        assert s.scalar(select(Person).where(Person.username == "ghost_1")) is None


async def test_a_rejected_token_stops_asking_and_says_so(db, sb_settings, fake_apis) -> None:
    fake_apis.revoke("statbate")
    async with running(sb_settings, db) as (enricher, reports):
        await enricher.settled(["fan_1"], timeout=10)
        enricher.want(enters(["fan_2", "fan_3"]))
        await enricher.settled(["fan_2", "fan_3"], timeout=0.5)
        await asyncio.sleep(0.5)
    assert len(batch_requests(fake_apis)) == 1
    assert [(r.state, r.message) for r in reports] == [
        ("auth_failed", "Statbate rejected the token: enrichment stopped")
    ]
    assert fake_apis.statbate_token not in json.dumps([r.message for r in reports])


async def test_rate_limiting_is_reported_once_and_enrichment_resumes(db, sb_settings, fake_apis) -> None:
    fake_apis.add_member("fan_1")
    fake_apis.add_member("fan_2")
    fake_apis.fail(429, "statbate", times=6)  # the client's own retries and the enricher's first retry
    async with running(sb_settings, db, first_pause=0.3) as (enricher, reports):
        enricher.want(enters(["fan_1"]))
        await enricher.settled(["fan_1"], timeout=10)  # settles at once as failed
        enricher.want(enters(["fan_2"]))
        for _ in range(100):
            if member_snapshots(db) == {"fan_1": 1, "fan_2": 1}:
                break
            await asyncio.sleep(0.1)
    assert member_snapshots(db) == {"fan_1": 1, "fan_2": 1}
    states = [r.state for r in reports]
    assert states == ["retrying", "connected"]
    assert reports[0].message.startswith("Statbate is rate limiting (HTTP 429): enrichment paused ")


async def test_an_unreachable_statbate_is_reported_once_and_retried(db, sb_settings, fake_apis) -> None:
    fake_apis.add_member("fan_1")
    fake_apis.add_fault("drop", "statbate", times=3)
    client = StatbateClient(sb_settings.statbate_base_url, fake_apis.statbate_token, backoff=0.01)
    async with running(sb_settings, db, client=client, first_pause=0.3) as (enricher, reports):
        enricher.want(enters(["fan_1"]))
        for _ in range(100):
            if member_snapshots(db):
                break
            await asyncio.sleep(0.1)
    await client.aclose()
    assert member_snapshots(db) == {"fan_1": 1}
    assert [r.state for r in reports] == ["unreachable", "connected"]


async def test_settled_waits_for_statbates_figure(db, sb_settings, fake_apis) -> None:
    fake_apis.add_member("whale_1", all_time_tokens=250_000)
    async with running(sb_settings, db) as (enricher, _):
        await enricher.settled(["whale_1"], timeout=10)  # never wanted: the call wants it
        with db.session() as s:
            snap = s.scalar(select(Snapshot).join(Person).where(Person.username == "whale_1"))
            assert snap is not None and snap.normalized_metrics["all_time_tokens"] == 250_000


async def test_those_already_in_the_room_are_enriched_at_start(db, sb_settings, fake_apis) -> None:
    fake_apis.add_member("early_1")
    with db.session() as s:
        person = persons.find_or_create(s, "early_1")
        s.add(Interaction(person_id=person.id, type="USER_ENTER", source=InteractionSource.CB_EVENTS.value,
                          timestamp=datetime.now(UTC)))
    async with running(sb_settings, db) as (enricher, _):
        await enricher.settled(["early_1"], timeout=10)
    assert asked(fake_apis) == ["early_1"]


class Recorded(RateLimit):
    """A budget that also notes when each request was let through."""

    def __init__(self, per_minute: int, fake: FakeTime) -> None:
        super().__init__(per_minute, burst=1, clock=fake.clock, sleep=fake.sleep)
        self.fake = fake
        self.granted: list[float] = []

    async def acquire(self) -> None:
        await super().acquire()
        self.granted.append(self.fake.now)


async def test_a_minute_of_arrivals_stays_within_the_budget(db, sb_settings, fake_apis_factory) -> None:
    fake = fake_apis_factory(every_name_a_member=True)
    clock = FakeTime()
    rate = Recorded(4, clock)  # 4 requests a minute, so the simulated minute is what limits them
    client = StatbateClient(fake.statbate_base_url, fake.statbate_token, rate=rate)
    waves = [[f"wave{w}_{i}" for i in range(3)] for w in range(10)]
    settings = sb_settings.model_copy(update={"statbate_base_url": fake.statbate_base_url})
    async with running(settings, db, client=client) as (enricher, _):
        for wave in waves:  # arrivals faster than the budget: every wave would be a request
            enricher.want(enters(wave))
            await enricher.settled(wave, timeout=10)
    await client.aclose()
    assert len(batch_requests(fake)) == len(rate.granted) == 10
    assert most_in_a_minute(rate.granted) <= 4
    assert len(member_snapshots(db)) == 30


def test_enriched_snapshots_show_in_mhc_person(db, sb_settings, fake_apis, cli_env, capsys) -> None:
    fake_apis.add_member("fan_9", all_time_tokens=4321)

    async def enrich() -> None:
        async with running(sb_settings, db) as (enricher, _):
            await enricher.settled(["fan_9"], timeout=10)

    asyncio.run(enrich())
    code, data, _ = run(capsys, "person", "fan_9", "--json")
    assert code == 0
    assert "statbate_member" in json.dumps(data) and "4321" in json.dumps(data)




async def test_consoles_hear_of_each_enriched_batch(db, sb_settings, fake_apis) -> None:
    fake_apis.add_member("fan_1")
    fake_apis.add_member("fan_2")
    heard = listen(sb_settings.database_url, [CHANNEL_RADAR])
    assert await anext(heard) is None  # listening
    async with running(sb_settings, db) as (enricher, _):
        enricher.want(enters(["fan_1", "fan_2", "ghost_9"]))
        note = await asyncio.wait_for(anext(heard), 10)
    await heard.aclose()
    assert note is not None and note.payload == {"broadcaster": "hudson_cage", "count": 2}


async def test_the_fake_refuses_more_than_100_names_as_statbate_does(fake_apis) -> None:
    async with StatbateClient(fake_apis.statbate_base_url, fake_apis.statbate_token) as client:
        with pytest.raises(RequestError, match="HTTP 422"):
            await client.members_info_batch([f"fan_{i}" for i in range(101)])
