"""The capture lease: a holder that stops (SIGSTOP, a suspended laptop) is replaced after
MHC_CAPTURE_LEASE_SECONDS; resumed, it can no longer commit, says so once and observes."""

from __future__ import annotations

import signal
import socket
import threading
from datetime import timedelta

import pytest

from mhc_core.capture import listener
from mhc_core.db.engine import APPLICATION_NAME
from tests.capture.helpers import capture_settings, cursor, rows, running, scalar, wait_until
from tests.capture.test_headless import Listener, env_for, wait_for
from tests.fakes import make_event

LEASE = 5  # the shortest lease the settings accept
ME = APPLICATION_NAME.removeprefix("mhc:")


def chats(who: str, n: int) -> list[dict]:
    return [make_event("chatMessage", who, text=f"{who} {i}") for i in range(n)]


def journal_ids(db) -> list[str]:
    return [r[0] for r in rows(db, "SELECT event_id FROM event_log ORDER BY id")]


def heartbeat_at(db):
    return scalar(db, "SELECT heartbeat_at FROM capture_heartbeat")


@pytest.mark.slow
def test_a_frozen_capturer_is_replaced_and_once_resumed_it_only_observes(db, database_url, fake_apis_factory,
                                                                           tmp_path):
    fake = fake_apis_factory(events_per_batch=10)
    env = env_for(database_url, fake, tmp_path, MHC_CAPTURE_LEASE_SECONDS=str(LEASE))
    before = fake.push(*chats("alice", 30))
    a = Listener(env, tmp_path)
    b: Listener | None = None
    try:
        wait_for(lambda: cursor(db) == before[-1], proc=a)
        b = Listener(env, tmp_path)
        a_name, b_name = f"{socket.gethostname()}:{a.proc.pid}", f"{socket.gethostname()}:{b.proc.pid}"
        wait_for(lambda: f"capture: held by {a_name}" in b.err, proc=b)

        # A live holder is never replaced: B watches A's heartbeats for longer than a whole lease.
        first_seen = heartbeat_at(db)
        wait_for(lambda: heartbeat_at(db) - first_seen > timedelta(seconds=LEASE + 1), proc=a)
        assert "took over" not in b.err

        a.signal(signal.SIGSTOP)
        try:
            during = fake.push(*chats("bob", 40))
            wait_for(lambda: cursor(db) == during[-1], timeout=LEASE + 30, proc=b)
            assert f"capture: took over from {a_name} (no heartbeat for " in b.err
        finally:
            a.signal(signal.SIGCONT)

        wait_for(lambda: f"capture: held by {b_name}" in a.err, proc=a)
        after = fake.push(*chats("carol", 20))
        wait_for(lambda: cursor(db) == after[-1], proc=b)
        for proc in (a, b):
            proc.signal(signal.SIGTERM)
            assert proc.wait(timeout=10) == 0, proc.err[-2000:]
    finally:
        for proc in (a, b):
            if proc is not None:
                proc.proc.kill()
                proc.proc.wait(timeout=10)

    assert journal_ids(db) == before + during + after  # nothing lost, nothing twice, in order
    assert scalar(db, "SELECT count(*) FROM interactions") == len(before + during + after)
    about_the_lock = [line for line in a.err.splitlines() if "capture lock" in line]
    assert about_the_lock == [f"capture: lost the capture lock to {b_name}; observing"]
    assert b.err.count("took over") == 1


async def test_a_batch_in_hand_when_the_holder_froze_is_never_committed_by_it(
    db, database_url, fake_apis_factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = fake_apis_factory(events_per_batch=10)
    settings = capture_settings(database_url, fake, capture_lease_seconds=LEASE)
    held_batch: set[str] = set()
    frozen, thaw = threading.Event(), threading.Event()
    real = listener.write_batch

    def freeze_before_commit(session, broadcaster, entries, cursor_value, **kw):
        result = real(session, broadcaster, entries, cursor_value, **kw)
        if entries and entries[0].event_id in held_batch and not frozen.is_set():
            # Written, not yet committed, and the capture worker (heartbeats too) stands still.
            frozen.set()
            thaw.wait(60)
        return result

    monkeypatch.setattr(listener, "write_batch", freeze_before_commit)
    before = fake.push(*chats("alice", 10))
    async with running(settings, db) as a:
        try:
            await wait_until(lambda: cursor(db) == before[-1], what="the first batch")
            held = fake.push(*chats("bob", 10))
            held_batch.update(held)
            await wait_until(frozen.is_set, what="the holder frozen with a batch in hand")
            async with running(settings, db) as b:
                await wait_until(lambda: cursor(db) == held[-1], timeout=LEASE + 30, what="the takeover")
                took_over = [s.message for s in b.statuses if "took over" in s.message]
                assert took_over[0].startswith(f"took over from {ME} (no heartbeat for ")
                thaw.set()
                await wait_until(lambda: a.state() == "held_elsewhere", what="the resumed holder observing")
                after = fake.push(*chats("carol", 10))
                await wait_until(lambda: cursor(db) == after[-1], what="capture going on")
                assert a.service.events_captured == len(before)  # its batch in hand never committed
                assert [s.message for s in a.statuses if "capture lock" in s.message] == [
                    f"lost the capture lock to {ME}; observing"]
        finally:
            thaw.set()  # never leave the worker blocked, or the service cannot stop
    assert journal_ids(db) == before + held + after
    assert scalar(db, "SELECT count(*) FROM interactions") == 30
