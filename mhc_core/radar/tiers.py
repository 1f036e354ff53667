"""A person's tier: the highest of `[radar.tiers]` whose threshold his larger figure reaches.

His larger figure is Statbate's all-time tokens or the tokens tipped in this room, whichever is more:
Statbate records public tips only, and the room's own record may know more of him than Statbate does.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

# Highest first: a person is the first of these whose threshold he reaches.
TIER_NAMES = ("whale", "big", "regular")
DEFAULT_TIERS = {"whale": 100_000, "big": 10_000, "regular": 1_000}


@dataclass(frozen=True)
class Tiers:
    whale: int = DEFAULT_TIERS["whale"]
    big: int = DEFAULT_TIERS["big"]
    regular: int = DEFAULT_TIERS["regular"]

    def threshold(self, tier: str) -> int:
        return int(getattr(self, tier))

    def of(self, statbate_all_time: int | None, room_tokens: int | None) -> str | None:
        """The tier of someone with these figures; None below every threshold (or knowing nothing)."""
        figure = max(statbate_all_time or 0, room_tokens or 0)
        for tier in TIER_NAMES:
            if figure >= self.threshold(tier) and figure > 0:
                return tier
        return None


def at_least(tier: str | None, wanted: str) -> bool:
    """`tier` is `wanted` or higher."""
    return tier is not None and TIER_NAMES.index(tier) <= TIER_NAMES.index(wanted)


def parse_radar(raw: Mapping[str, Any]) -> Tiers:
    """`[radar]` from config.toml: only `tiers`, whose keys are the tier names with whole numbers >= 0.

    Raises ValueError with one line naming the bad key."""
    for key in raw:
        if key != "tiers":
            raise ValueError(f"unknown key {str(key)[:40]!r} (only [radar.tiers])")
    tiers = raw.get("tiers", {})
    if not isinstance(tiers, Mapping):
        raise ValueError("[radar.tiers] must be a table (whale = 100000, big = 10000, regular = 1000)")
    values = dict(DEFAULT_TIERS)
    for name, value in tiers.items():
        if name not in TIER_NAMES:
            raise ValueError(f"tiers: unknown tier {str(name)[:40]!r} (whale, big, regular)")
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 10**12:
            raise ValueError(f"tiers.{name} must be a whole number of tokens, 0 or more")
        values[name] = value
    return Tiers(**values)
