"""No event stops capture: a batch of poison between good events is journaled whole, once, and goes on.

The poison is what a real feed can send: half an emoji (a lone UTF-16 surrogate), NUL, wrong types, a
non-object `object`, absurd tip amounts, one id twice in one answer. Each goes through the fake over a
real socket, the events client's decoding and the listener's write into a real Postgres.
"""

from __future__ import annotations

import json

from tests.capture.helpers import capture_settings, cursor, rows, running, scalar, wait_until
from tests.fakes import make_event

B = "hudson_cage"


def poison() -> list:
    dup = make_event("chatMessage", "twice", text="same id")
    return [
        make_event("chatMessage", "half_emoji", text="cut \ud83d here"),
        make_event("chatMessage", "nul_user", text="a\x00b"),
        make_event("privateMessage", "lone_\udc00_name", text="surrogate in the name"),
        {"method": "chatMessage", "object": "not an object"},
        {"method": "tip", "object": {"broadcaster": B, "user": {"username": "neg"}, "tip": {"tokens": -50}}},
        {"method": "tip", "object": {"broadcaster": B, "user": {"username": "huge"}, "tip": {"tokens": 10**30}}},
        {"method": "mediaPurchase", "object": {"broadcaster": B, "user": {"username": "media_neg"},
                                               "media": {"id": 1, "name": "x", "type": "photos", "tokens": -1}}},
        {"method": "chatMessage", "object": {"broadcaster": B, "user": {"username": 42}, "message": []}},
        {"id": "dup-1", **dup},
        {"id": "dup-1", **dup},
        {"method": "chatMessage\x00", "object": {"broadcaster": B}},
    ]


def good(n: int) -> dict:
    return make_event("tip", f"good_{n}", tokens=10, tip_message=f"good {n}")


async def test_a_poison_batch_between_good_events_is_journaled_once_and_capture_goes_on(
    db, database_url, fake_apis_factory
) -> None:
    fake = fake_apis_factory(events_per_batch=50)
    bad = poison()
    fake.push(good(1), *bad[:6], good(2), *bad[6:], good(3))
    distinct = 3 + len(bad) - 1  # the repeated id is one event
    async with running(capture_settings(database_url, fake), db) as run:
        await wait_until(lambda: scalar(db, "SELECT count(*) FROM event_log") == distinct, timeout=20,
                         what="every event journaled")
        fake.push(good(4))  # capture goes on after the poison batch
        await wait_until(lambda: scalar(db, "SELECT count(*) FROM interactions WHERE type = 'TIP_EVENT'") == 4,
                         timeout=20, what="the event after the poison batch")
        assert run.state() == "connected"
    assert cursor(db) is not None
    assert scalar(db, "SELECT count(*) FROM event_log") == distinct + 1
    assert scalar(db, "SELECT count(*) FROM event_log WHERE event_id = 'dup-1'") == 1

    # Every good tip is projected and counted; no damaged amount reaches any total.
    tips = rows(db, "SELECT p.username, (i.metadata->>'tokens')::bigint FROM interactions i "
                    "JOIN persons p ON p.id = i.person_id WHERE i.type = 'TIP_EVENT' ORDER BY p.username")
    assert tips == [(f"good_{n}", 10) for n in range(1, 5)]
    for name in ("neg", "huge", "media_neg"):
        error = scalar(db, "SELECT error FROM event_log WHERE raw LIKE :n", n=f'%"{name}"%')
        assert error and "tokens" in error, name

    # Text Postgres cannot hold is projected with U+FFFD / without NUL, and the event says so.
    chat = dict(rows(db, "SELECT p.username, i.content FROM interactions i JOIN persons p ON p.id = i.person_id "
                         "WHERE i.type = 'CHAT_MESSAGE'"))
    assert chat["half_emoji"] == "cut \ufffd here"
    assert chat["nul_user"] == "ab"
    assert chat["twice"] == "same id"
    surrogate_error = scalar(db, "SELECT error FROM event_log WHERE raw LIKE '%half_emoji%'")
    assert "surrogate" in surrogate_error

    # The journal keeps each event as it came: its raw text reads back to exactly what was sent.
    raw = scalar(db, "SELECT raw FROM event_log WHERE raw LIKE '%half_emoji%'")
    assert json.loads(raw)["object"]["message"]["message"] == "cut \ud83d here"
    raw_nul = scalar(db, "SELECT raw FROM event_log WHERE raw LIKE '%nul_user%'")
    assert json.loads(raw_nul)["object"]["message"]["message"] == "a\x00b"
    not_object = scalar(db, "SELECT error FROM event_log WHERE raw LIKE '%not an object%'")
    assert "not a JSON object" in not_object
