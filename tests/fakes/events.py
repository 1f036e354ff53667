"""Builders of Events API event payloads (without ids: `FakeApis.push` assigns them)."""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any

METHODS = (
    "broadcastStart",
    "broadcastStop",
    "userEnter",
    "userLeave",
    "follow",
    "unfollow",
    "fanclubJoin",
    "chatMessage",
    "privateMessage",
    "tip",
    "mediaPurchase",
    "roomSubjectChange",
)


def user(username: str, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "username": username,
        "inFanclub": False,
        "gender": "m",
        "subgender": "",
        "hasTokens": True,
        "recentTips": "none",
        "isMod": False,
    }
    data.update(overrides)
    return data


def message(text: str, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "color": "#494949",
        "bgColor": None,
        "message": text,
        "font": "default",
        "orig": None,
    }
    data.update(overrides)
    return data


def make_event(
    method: str,
    username: str = "sample_viewer",
    *,
    broadcaster: str = "hudson_cage",
    user_fields: dict[str, Any] | None = None,
    **fields: Any,
) -> dict[str, Any]:
    """One event dict ``{"method", "object"}``. Sensible defaults per method; `fields` override `object` keys.

    Shortcuts: ``text=`` (chat/private), ``tokens=``/``tip_message=``/``is_anon=`` (tip), ``to_user=``
    (private message; default the broadcaster), ``subject=``.
    """
    text = fields.pop("text", "hello")
    tokens = fields.pop("tokens", 25)
    tip_message = fields.pop("tip_message", "")
    is_anon = fields.pop("is_anon", False)
    to_user = fields.pop("to_user", broadcaster)
    obj: dict[str, Any] = {"broadcaster": broadcaster}
    if method != "roomSubjectChange":
        obj["user"] = user(username, **(user_fields or {}))
    if method == "chatMessage":
        obj["message"] = message(text)
    elif method == "privateMessage":
        obj["message"] = message(text, fromUser=username, toUser=to_user, color="")
    elif method == "tip":
        obj["tip"] = {"tokens": tokens, "isAnon": is_anon, "message": tip_message}
    elif method == "mediaPurchase":
        obj["media"] = {"id": 1, "name": "photoset1", "type": "photos", "tokens": tokens}
    elif method == "roomSubjectChange":
        obj["subject"] = fields.pop("subject", "Hudson's room - goal 500")
    obj.update(fields)
    return {"method": method, "object": obj}


def scripted_broadcast(
    broadcaster: str = "hudson_cage",
    viewers: tuple[str, ...] = ("alice_01", "bob_the_tipper", "Carol_X"),
    *,
    chat_lines: int = 3,
) -> list[dict[str, Any]]:
    """A realistic broadcast using all 12 methods, start to stop."""
    ev: list[dict[str, Any]] = [
        make_event("broadcastStart", broadcaster, broadcaster=broadcaster),
        make_event("roomSubjectChange", broadcaster=broadcaster, subject="Welcome! goal: 500 tokens"),
    ]
    for name in viewers:
        ev.append(make_event("userEnter", name, broadcaster=broadcaster))
    for i in range(chat_lines):
        for name in viewers:
            ev.append(make_event("chatMessage", name, broadcaster=broadcaster, text=f"line {i} from {name}"))
    first = viewers[0]
    ev += [
        make_event("follow", first, broadcaster=broadcaster),
        make_event("tip", first, broadcaster=broadcaster, tokens=25, tip_message="| great show"),
        make_event("tip", viewers[-1], broadcaster=broadcaster, tokens=100, is_anon=True),
        make_event("privateMessage", first, broadcaster=broadcaster, text="hi in private"),
        make_event("privateMessage", broadcaster, broadcaster=broadcaster, text="thanks!", to_user=first),
        make_event("fanclubJoin", first, broadcaster=broadcaster, user_fields={"inFanclub": True}),
        make_event("mediaPurchase", first, broadcaster=broadcaster, tokens=50),
        make_event("unfollow", viewers[-1], broadcaster=broadcaster),
    ]
    for name in viewers:
        ev.append(make_event("userLeave", name, broadcaster=broadcaster))
    ev.append(make_event("broadcastStop", broadcaster, broadcaster=broadcaster))
    return ev


def random_events(broadcaster: str = "hudson_cage", seed: int | None = None) -> Iterator[dict[str, Any]]:
    """An endless generator of plausible live events (for the hand-run fake)."""
    rng = random.Random(seed)
    pool = [f"viewer_{n:03d}" for n in range(40)]
    present: set[str] = set()

    def gen() -> Iterator[dict[str, Any]]:
        while True:
            roll = rng.random()
            if roll < 0.15 or not present:
                name = rng.choice(pool)
                present.add(name)
                yield make_event("userEnter", name, broadcaster=broadcaster)
            elif roll < 0.22:
                name = rng.choice(sorted(present))
                present.discard(name)
                yield make_event("userLeave", name, broadcaster=broadcaster)
            elif roll < 0.75:
                name = rng.choice(sorted(present))
                yield make_event(
                    "chatMessage", name, broadcaster=broadcaster, text=f"msg {rng.randint(1, 999)}"
                )
            elif roll < 0.88:
                name = rng.choice(sorted(present))
                yield make_event(
                    "tip", name, broadcaster=broadcaster, tokens=rng.choice([1, 5, 10, 25, 50, 100, 500])
                )
            elif roll < 0.93:
                yield make_event("follow", rng.choice(sorted(present)), broadcaster=broadcaster)
            elif roll < 0.97:
                yield make_event(
                    "privateMessage", rng.choice(sorted(present)), broadcaster=broadcaster, text="pm"
                )
            else:
                yield make_event("fanclubJoin", rng.choice(sorted(present)), broadcaster=broadcaster)

    return gen()


def hostile_events(broadcaster: str = "hudson_cage") -> list[Any]:
    """What a hostile viewer or a damaged feed can send: terminal escapes, markup, zalgo, half an emoji,
    NUL, wrong types, a non-object `object`, absurd amounts, one id twice. None of it may stop capture
    or reach the terminal as a control sequence."""
    twice = make_event("chatMessage", "said_twice", broadcaster=broadcaster, text="one id, sent twice")
    bad_tip = {"broadcaster": broadcaster, "user": user("negative_tipper")}
    return [
        make_event("chatMessage", "title_hacker", broadcaster=broadcaster,
                   text="hi \x1b]0;TITLEHACK\x07there\x1b[2J friend"),
        make_event("chatMessage", "markup_fan", broadcaster=broadcaster,
                   text="[bold red]loud[/] [link=http://evil.example]click[/link]"),
        make_event("chatMessage", "zalgo_fan", broadcaster=broadcaster,
                   text="zalgo z" + "\u0301\u0302\u0303\u0304\u0305\u0306\u0307\u0308" * 40 + " end"),
        make_event("chatMessage", "half_emoji", broadcaster=broadcaster, text="cut \ud83d here"),
        make_event("chatMessage", "nul_sender", broadcaster=broadcaster, text="a\x00b"),
        make_event("tip", "escape_tipper", broadcaster=broadcaster, tokens=5, tip_message="| tip \x1b[2Jnote"),
        make_event("roomSubjectChange", broadcaster=broadcaster, subject="subject \x1b]0;TITLEHACK\x07"),
        {"method": "chatMessage", "object": "not an object"},
        {"method": "tip", "object": {**bad_tip, "tip": {"tokens": -50}}},
        {"method": "tip", "object": {**bad_tip, "tip": {"tokens": 10**30}}},
        {"method": "mediaPurchase", "object": {**bad_tip, "media": {"id": 1, "name": "x", "type": "photos",
                                                                    "tokens": -1}}},
        {"method": "chatMessage", "object": {"broadcaster": broadcaster, "user": {"username": 42}, "message": []}},
        {"id": "1000000000000-1", **twice},
        {"id": "1000000000000-1", **twice},
    ]
