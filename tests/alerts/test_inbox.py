"""The inbox through the data door: this broadcast's unacknowledged alerts, tips and PMs; acknowledging."""

from __future__ import annotations

import pytest

from mhc_core.data.door import Data
from mhc_core.services.alerts import BadInboxKey
from tests.alerts.helpers import alert_settings, evaluate
from tests.capture.helpers import at, write
from tests.fakes import make_event

pytestmark = pytest.mark.asyncio


async def broadcast(db, database_url) -> Data:
    """An earlier broadcast with a tip, then this one: a big tip (alerted), a small tip and two PMs."""
    s = alert_settings(database_url, [{"when": "tip", "min_tokens": 500}])
    write(db, [at(0, 0, **make_event("broadcastStart", "hudson_cage")),
               at(1, 1, **make_event("tip", "yesterday_yan", tokens=5)),
               at(2, 2, **make_event("broadcastStop", "hudson_cage"))])
    await evaluate(s, db)
    write(db, [at(100, 3, **make_event("broadcastStart", "hudson_cage")),
               at(101, 4, **make_event("tip", "big_bob", tokens=1000, tip_message="thanks!")),
               at(102, 5, **make_event("tip", "small_sam", tokens=5)),
               at(103, 6, **make_event("privateMessage", "x_fan", text="hi")),
               at(104, 7, **make_event("privateMessage", "hudson_cage", text="hey", to_user="x_fan")),
               at(105, 8, **make_event("chatMessage", "chatty", text="hello"))])
    await evaluate(s, db)
    return Data(db, s)


async def test_the_inbox_holds_this_broadcasts_unacknowledged_items_newest_first(db, database_url):
    data = await broadcast(db, database_url)
    inbox = data.inbox()
    assert [(i.kind, i.username, i.text, i.tokens) for i in inbox.items] == [
        ("private_message", "x_fan", "PM from x_fan: hi", None),
        ("tip", "small_sam", "small_sam tipped 5 tokens", 5),
        ("alert", "big_bob", "big_bob tipped 1,000 tokens: thanks!", 1000),  # the tip shown once, as its alert
    ]
    assert data.unacknowledged_count() == 3 == data.live_summary().unacknowledged


async def test_acknowledging_takes_items_out_for_every_reader(db, database_url):
    data = await broadcast(db, database_url)
    keys = data.inbox().keys
    assert data.acknowledge([keys[0], keys[2]]) == 2
    assert data.acknowledge([keys[0]]) == 0  # already done
    other = Data(db, alert_settings(database_url, None))  # another console
    assert [i.kind for i in other.inbox().items] == ["tip"]
    assert [a.acknowledged_at is not None for a in data.alerts()] == [True]
    assert data.alerts(unacknowledged=True) == ()
    with pytest.raises(BadInboxKey):
        data.acknowledge(["nonsense"])


async def test_acknowledge_all_empties_the_inbox(db, database_url):
    data = await broadcast(db, database_url)
    assert data.acknowledge_all() == 3
    assert data.inbox().items == () and data.unacknowledged_count() == 0
    write(db, [at(110, 9, **make_event("tip", "late_larry", tokens=3))])
    assert [i.username for i in data.inbox().items] == ["late_larry"]


async def test_alerts_listing_filters(db, database_url):
    data = await broadcast(db, database_url)
    (alert,) = data.alerts()
    assert set(alert.as_json()) == {"id", "rule", "username", "event_id", "fired_at", "acknowledged_at", "text"}
    assert data.alerts(after_id=alert.id) == ()
    assert data.alerts(since=alert.fired_at) == (alert,)
