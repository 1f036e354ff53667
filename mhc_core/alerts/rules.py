"""Alert rules: one `[[alerts]]` table each in config.toml (or MHC_ALERTS as a JSON list), checked at start.

    [[alerts]]
    when = "tip"              # tip | enter | first_tip | return | private_message
    min_tokens = 500          # for tip (and first_tip)
    list = "Friends"          # for enter: a person on this list enters
    tier = "whale"            # for enter: a person of this tier (or higher) enters
    away_days = 30            # for return: enters after this many days without being seen
    cooldown_minutes = 10     # per person and rule
    bell = false
    name = "big tips"         # optional; the stored alert names its rule by this

A rule's name is what an alert stores to say which rule fired it, and with the event id it is the
alert's unique key: it must stay the same across restarts, so it is made from the rule itself unless
given. An unknown `when`, a key that does not belong to the rule, or a bad value is a ValueError with
one line; a list that does not exist is checked once the database is there (`unknown_lists`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from mhc_core.radar.tiers import TIER_NAMES

WHENS = ("tip", "enter", "first_tip", "return", "private_message")
COMMON_KEYS = ("when", "cooldown_minutes", "bell", "name")
KEYS_OF = {
    "tip": ("min_tokens",),
    "first_tip": ("min_tokens",),
    "enter": ("list", "tier"),
    "return": ("away_days",),
    "private_message": (),
}
MAX_COOLDOWN_MINUTES = 7 * 24 * 60
MAX_AWAY_DAYS = 10 * 365


@dataclass(frozen=True)
class AlertRule:
    when: str
    name: str
    min_tokens: int | None = None
    list: str | None = None
    tier: str | None = None
    away_days: int | None = None
    cooldown_minutes: int = 0
    bell: bool = False

    @property
    def needs_statbate(self) -> bool:
        """An enter rule by tier judges on Statbate's figure too: it waits for the person's enrichment."""
        return self.when == "enter" and self.tier is not None


# When no [[alerts]] is written: the moments a broadcaster would not want to miss.
DEFAULT_RULES: tuple[AlertRule, ...] = (
    AlertRule("tip", "tip>=500", min_tokens=500),
    AlertRule("first_tip", "first_tip"),
    AlertRule("enter", "enter:tier=whale", tier="whale", cooldown_minutes=60),
    AlertRule("return", "return>=30d", away_days=30, cooldown_minutes=12 * 60),
    AlertRule("private_message", "private_message", cooldown_minutes=10),
)


def _whole(value: Any, key: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValueError(f"{key} must be a whole number from {low} to {high}")
    return value


def _text(value: Any, key: str) -> str:
    if not isinstance(value, str) or not value.strip() or not value.isprintable() or len(value) > 100:
        raise ValueError(f"{key} must be a non-empty name of printable characters")
    return value.strip()


def _default_name(when: str, fields: Mapping[str, Any]) -> str:
    if when in ("tip", "first_tip") and fields.get("min_tokens") is not None:
        return f"{when}>={fields['min_tokens']}"
    if when == "enter":
        parts = [f"{key}={fields[key]}" for key in ("list", "tier") if fields.get(key) is not None]
        return "enter:" + ",".join(parts) if parts else "enter"
    if when == "return":
        return f"return>={fields['away_days']}d"
    return when


def parse_rule(raw: Any, index: int) -> AlertRule:
    """One `[[alerts]]` table; ValueError naming the rule (by its position, from 1) and the key."""
    where = f"alert {index}"
    if not isinstance(raw, Mapping):
        raise ValueError(f"{where}: must be a table (when = \"tip\", ...)")
    when = raw.get("when")
    if when not in WHENS:
        shown = repr(when)[:40] if when is not None else "missing"
        raise ValueError(f"{where}: unknown when {shown} (one of {', '.join(WHENS)})")
    allowed = COMMON_KEYS + KEYS_OF[when]
    for key in raw:
        if key not in allowed:
            raise ValueError(f"{where}: unknown key {str(key)[:40]!r} for when = \"{when}\" ({', '.join(allowed)})")
    fields: dict[str, Any] = {}
    try:
        if "min_tokens" in raw:
            fields["min_tokens"] = _whole(raw["min_tokens"], "min_tokens", 1, 10**9)
        if "list" in raw:
            fields["list"] = _text(raw["list"], "list")
        if "tier" in raw:
            if raw["tier"] not in TIER_NAMES:
                raise ValueError(f"tier must be one of {', '.join(TIER_NAMES)}")
            fields["tier"] = raw["tier"]
        if when == "return":
            fields["away_days"] = _whole(raw.get("away_days", 30), "away_days", 1, MAX_AWAY_DAYS)
        if when == "tip" and "min_tokens" not in fields:
            raise ValueError("min_tokens is required for when = \"tip\"")
        cooldown = _whole(raw.get("cooldown_minutes", 0), "cooldown_minutes", 0, MAX_COOLDOWN_MINUTES)
        bell = raw.get("bell", False)
        if not isinstance(bell, bool):
            raise ValueError("bell must be true or false")
        name = _text(raw["name"], "name") if "name" in raw else _default_name(when, fields)
    except ValueError as exc:
        raise ValueError(f"{where}: {exc}") from None
    return AlertRule(when, name, cooldown_minutes=cooldown, bell=bell, **fields)


def parse_rules(raw: Sequence[Any] | None) -> tuple[AlertRule, ...]:
    """Every rule (the defaults when none is written); ValueError for the first bad one or a repeated name."""
    if raw is None:
        return DEFAULT_RULES
    if isinstance(raw, (str, bytes)) or not isinstance(raw, Sequence):
        raise ValueError("must be a list of [[alerts]] tables")
    rules = tuple(parse_rule(item, i) for i, item in enumerate(raw, start=1))
    seen: set[str] = set()
    for i, rule in enumerate(rules, start=1):
        if rule.name in seen:
            raise ValueError(f"alert {i}: a second rule named {rule.name!r} (give each a distinct name)")
        seen.add(rule.name)
    return rules


def unknown_lists(rules: Iterable[AlertRule], known: Iterable[str]) -> list[str]:
    """The lists rules name that do not exist (names match in any case, as `mhc watchlist` matches them)."""
    names = {name.casefold() for name in known}
    return [rule.list for rule in rules if rule.list is not None and rule.list.casefold() not in names]
