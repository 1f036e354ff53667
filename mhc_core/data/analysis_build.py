"""The behaviour analysis view, built inside the session that read its rows (see mhc_core.services.analysis)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy.orm import Session

from mhc_core.data.analysis_views import DAYS, ROOM, STATBATE, AnalysisView, Finding, SessionTokens
from mhc_core.db.models import Person, Snapshot
from mhc_core.kinds import SnapshotSource
from mhc_core.services import analysis, snapshots

TREND_WINDOW = 5  # the last five attended sessions against the five before
CHART_SESSIONS = 30
TAG_FIELD = "tag_spending"  # where a stored member snapshot would carry Statbate's tag spending


def _day(value: Any, *, end: bool = False) -> datetime | None:
    """A Statbate date or datetime string as a UTC datetime (a bare date: its start, or its end)."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip().replace(" ", "T", 1)
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        try:
            day = date.fromisoformat(text[:10])
        except ValueError:
            return None
        parsed = datetime.combine(day, time.max if end else time.min)
    else:
        if len(text) <= 10 and end:
            parsed = datetime.combine(parsed.date(), time.max)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _number(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def room_spending(rows: list[analysis.SessionRow]) -> Finding:
    tips = sum(r.tips for r in rows)
    total = sum(r.tokens for r in rows)
    attended = [r for r in rows if r.session_id is not None]
    in_sessions = sum(r.tokens for r in attended)
    recent = [r.tokens for r in attended[-TREND_WINDOW:]]
    previous = [r.tokens for r in attended[-2 * TREND_WINDOW:-TREND_WINDOW]]
    enough_trend = len(attended) >= 2 * TREND_WINDOW
    trend = {"sessions": len(attended), "recent": sum(recent) if enough_trend else None,
             "previous": sum(previous) if enough_trend else None, "change": None, "enough_data": enough_trend}
    if enough_trend:
        trend["change"] = sum(recent) - sum(previous)
    tip_times = [t for r in rows for t in (r.first_tip_at, r.last_tip_at) if t is not None]
    return Finding(
        source=ROOM, period_from=min(tip_times, default=None), period_to=max(tip_times, default=None),
        sample_size=tips, enough_data=tips > 0,
        figures={
            "total": total, "tips": tips,
            "average": round(total / tips, 1) if tips else None,
            "largest": max((r.largest for r in rows), default=0) if tips else None,
            "per_session": round(in_sessions / len(attended), 1) if attended else None,
            "trend": trend,
        },
    )


def statbate_spending(snap: Snapshot | None) -> Finding:
    if snap is None:
        return Finding(STATBATE, None, None, 0, False, {"all_time": None, "last_two_weeks": None,
                                                      "models_tipped": None, "captured_at": None})
    m = snap.normalized_metrics
    per_day = [d for d in m.get("per_day_tokens") or [] if isinstance(d, Mapping)]
    two_weeks = sum(_number(d.get("tokens")) or 0 for d in per_day)
    days = [_day(d.get("date")) for d in per_day]
    first = _day(m.get("first_tip_date"))
    last = _day(m.get("last_tip_date"))
    known = [d for d in (first, last, *days) if d is not None]
    all_time = _number(m.get("all_time_tokens"))
    return Finding(
        source=STATBATE, period_from=first or min(known, default=None), period_to=last or max(known, default=None),
        sample_size=len(per_day), enough_data=all_time is not None,
        figures={
            "all_time": all_time,
            "last_two_weeks": two_weeks if per_day or "per_day_tokens" in m else None,
            "models_tipped": _number(m.get("models_tipped_2weeks")),
            "models_tipped_list": list(m.get("models_tipped_2weeks_list") or []),
            "captured_at": snap.captured_at,
        },
    )


def statbate_on_me(s: Session, person: Person, snap: Snapshot | None) -> Finding:
    """Statbate's tokens and tips from this person to the broadcaster, beside the room's over the same period."""
    if snap is None:
        return Finding(STATBATE, None, None, 0, False, {"tokens": None, "tips": None, "room_tokens": None,
                                                      "room_tips": None, "coverage": None, "captured_at": None})
    m = snap.normalized_metrics
    start = _day(m.get("range_from")) or _day(m.get("first_date"))
    end = _day(m.get("range_to"), end=True) or _day(m.get("last_date"), end=True)
    tokens, tips = _number(m.get("tokens")), _number(m.get("tips"))
    room_tokens, room_tips = analysis.tips_between(s, person.id, start, end)
    return Finding(
        source=STATBATE, period_from=start, period_to=end, sample_size=tips or 0, enough_data=tokens is not None,
        figures={
            "tokens": tokens, "tips": tips, "room_tokens": room_tokens, "room_tips": room_tips,
            # Share of what Statbate saw that the room recorded too (above 1: the room saw more).
            "coverage": round(room_tokens / tokens, 3) if tokens else None,
            "captured_at": snap.captured_at,
        },
    )


def active_hours(history: analysis.RoomHistory, zone: str) -> Finding:
    rows = history.sessions
    grid = [[0] * 24 for _ in DAYS]
    for day, hour, count in history.hours:
        grid[day - 1][hour] += count
    total = sum(map(sum, grid))
    return Finding(
        source=ROOM, period_from=min((r.first_at for r in rows), default=None),
        period_to=max((r.last_at for r in rows), default=None), sample_size=total, enough_data=total > 0,
        figures={"timezone": zone, "days": list(DAYS), "hours": grid},
    )


def loyalty(s: Session, broadcaster: str, rows: list[analysis.SessionRow]) -> Finding:
    attended = [r.session_id for r in rows if r.session_id is not None]
    streak, held = analysis.current_streak(s, broadcaster, attended)
    first = min((r.first_at for r in rows), default=None)
    last = max((r.last_at for r in rows), default=None)
    return Finding(
        source=ROOM, period_from=first, period_to=last, sample_size=len(attended), enough_data=bool(rows),
        figures={
            "sessions_attended": len(attended), "sessions_held": held, "current_streak": streak,
            "first_seen": first, "last_seen": last,
            "follows": sum(r.follows for r in rows), "unfollows": sum(r.unfollows for r in rows),
        },
    )


def tag_spending(snap: Snapshot | None) -> Finding:
    tags = snap.normalized_metrics.get(TAG_FIELD) if snap is not None else None
    if not isinstance(tags, list) or snap is None:
        # A lookup does not ask Statbate's /tag-spending, so no snapshot carries it yet.
        return Finding(STATBATE, None, None, 0, False, {"stored_in": None, "tags": []})
    return Finding(STATBATE, None, snap.captured_at, len(tags), bool(tags),
                   {"stored_in": f"snapshots.{snap.source}.normalized_metrics.{TAG_FIELD}", "tags": tags})


def person_analysis(s: Session, person: Person, *, broadcaster: str, zone: str | None,
                    history: analysis.RoomHistory | None = None) -> AnalysisView:
    """Every finding for `person`; the hour histogram in `zone` (None: UTC, and the finding says so).
    `history`: the person's room history already read for this zone (`analysis.room_history`)."""
    history = history or analysis.room_history(s, person.id, zone or "UTC")
    rows = history.sessions
    member = snapshots.latest(s, person.id, SnapshotSource.STATBATE_MEMBER.value)
    on_me = snapshots.latest(s, person.id, SnapshotSource.STATBATE_MEMBER_MODEL.value)
    attended = [r for r in rows if r.session_id is not None and r.started_at is not None]
    return AnalysisView(
        room_spending=room_spending(rows),
        statbate_spending=statbate_spending(member),
        statbate_on_me=statbate_on_me(s, person, on_me),
        active_hours=active_hours(history, zone or "UTC"),
        loyalty=loyalty(s, broadcaster, rows),
        tag_spending=tag_spending(member),
        sessions=tuple(SessionTokens(r.session_id, r.started_at, r.tokens)  # type: ignore[arg-type]
                       for r in attended[-CHART_SESSIONS:]),
        computed_for_excluded=person.is_excluded,
    )

