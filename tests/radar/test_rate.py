"""The process-wide Statbate budget: a cap over any 60 s window, shared by threads with their own loops."""

from __future__ import annotations

import asyncio
import threading
import time

from mhc_core.clients.rate import RateLimit, shared_rate
from mhc_core.clients.statbate import StatbateClient


class FakeTime:
    """A clock that only moves when someone sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now = max(self.now, self.now + seconds)
        await asyncio.sleep(0)


def most_in_a_minute(times: list[float]) -> int:
    times = sorted(times)
    return max(sum(1 for t in times if start <= t < start + 60.0) for start in times)


def test_no_minute_holds_more_than_the_budget() -> None:
    fake = FakeTime()
    limit = RateLimit(60, clock=fake.clock, sleep=fake.sleep)
    started = fake.now
    slots: list[float] = []
    for _ in range(300):  # arrivals far faster than the budget, for five simulated minutes
        slots.append(fake.now + limit.reserve())
        fake.now += 1.0 / 3
    assert most_in_a_minute(slots) <= 60
    # The budget is used, not wasted: 300 requests at 60 a minute take about five minutes.
    assert 4 * 60 <= max(slots) - started <= 5 * 60 + 1


async def test_acquire_waits_for_its_slot() -> None:
    fake = FakeTime()
    limit = RateLimit(30, burst=1, clock=fake.clock, sleep=fake.sleep)
    granted = []
    for _ in range(40):
        await limit.acquire()
        granted.append(fake.now)
    assert most_in_a_minute(granted) <= 30
    assert granted[1] - granted[0] == 2.0


async def test_a_short_burst_goes_at_once_then_the_pace_is_even() -> None:
    fake = FakeTime()
    limit = RateLimit(60, burst=5, clock=fake.clock, sleep=fake.sleep)
    delays = [limit.reserve() for _ in range(8)]
    assert delays[:5] == [0.0] * 5
    assert delays[5:] == [1.0, 2.0, 3.0]


def test_threads_with_their_own_loops_share_one_budget() -> None:
    limit = RateLimit(120, burst=2)  # a slot every 0.5 s after two at once
    granted: list[float] = []
    lock = threading.Lock()

    def worker() -> None:
        async def ask() -> None:
            for _ in range(2):
                await limit.acquire()
                with lock:
                    granted.append(time.monotonic())

        asyncio.run(ask())

    start = time.monotonic()
    threads = [threading.Thread(target=worker) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert len(granted) == 6
    # Two at once, then four more at 0.5 s each: two seconds in all, whichever thread asked.
    assert max(granted) - start >= 1.9


def test_one_limit_per_budget_in_a_process() -> None:
    assert shared_rate(60) is shared_rate(60)
    assert shared_rate(60) is not shared_rate(30)


async def test_every_attempt_of_a_client_waits_for_the_budget(fake_apis) -> None:
    fake = FakeTime()
    limit = RateLimit(6, burst=1, clock=fake.clock, sleep=fake.sleep)
    fake_apis.add_member("fan_1")
    fake_apis.fail(503, "statbate", times=2)
    async with StatbateClient(fake_apis.statbate_base_url, fake_apis.statbate_token, rate=limit,
                              backoff=0.01) as client:
        assert await client.member_info("fan_1") is not None
    # Two failures and the answer: three requests, ten simulated seconds apart at 6 a minute.
    assert len(fake_apis.requests_for("statbate")) == 3
    assert fake.now - 1000.0 == 20.0


async def test_a_small_budget_spaces_real_requests(fake_apis) -> None:
    fake_apis.add_member("fan_1")
    limit = RateLimit(120, burst=1)  # one request each half second
    async with StatbateClient(fake_apis.statbate_base_url, fake_apis.statbate_token, rate=limit) as client:
        for _ in range(4):
            await client.member_info("fan_1")
    arrivals = [r.time for r in fake_apis.requests_for("statbate")]
    assert len(arrivals) == 4
    assert all(b - a >= 0.45 for a, b in zip(arrivals, arrivals[1:], strict=False))
