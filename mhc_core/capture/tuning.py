"""How capture paces itself: its waits, backoffs and batch handling, in one value (tests shorten the waits)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CaptureTuning:
    # An observer looks at the holder of capture this often (and takes over a silent one).
    takeover_seconds: float = 3.0
    # The database backoff: the first retry after about `base`, doubling up to `cap` (with jitter).
    db_backoff_base: float = 1.0
    db_backoff_cap: float = 30.0
    # The Events API client's own backoff.
    events_backoff_base: float = 1.0
    events_backoff_cap: float = 60.0
    # Failures of one batch (not the server's or the connection's) before it is journaled without projections.
    project_attempts: int = 3
    # Holding capture without an events feed (stats only): how often the lock is checked.
    idle_check_seconds: float = 5.0
    # Ask for the next batch while the last one is written (at most one ahead).
    prefetch: bool = True
    # The Events API allows 2000 requests a minute. A live room answers each poll at once with a few events;
    # without pacing, polls burst past the limit and the client then stalls for most of a minute. After a
    # batch smaller than `pace_below`, the next poll starts no sooner than `pace_seconds` after the last one
    # (<= 1500/min); full batches (a backlog) are fetched at full speed.
    pace_seconds: float = 0.04
    pace_below: int = 20
