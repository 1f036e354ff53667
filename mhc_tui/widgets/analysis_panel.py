"""A person's behaviour analysis: the figures of each finding, tokens per session and an hour-of-week chart."""

from __future__ import annotations

import uuid
from typing import Any

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Label, Sparkline, Static

from mhc_core.channels import CHANNEL_EVENTS, CHANNEL_STATS
from mhc_core.data.analysis_views import DAYS, AnalysisView, Finding
from mhc_tui.data_access import console_of, data_of
from mhc_tui.live import Changes, LiveRead, about
from mhc_tui.widgets import display_format as fmt

SHADES = " ░▒▓█"  # no interaction, then four steps up to the busiest hour


def hour_chart(hours: list[list[int]]) -> str:
    """Seven rows (Monday first) of 24 hours, two cells each, shaded by count against the busiest hour."""
    top = max((n for row in hours for n in row), default=0)
    lines = ["    " + "".join(f"{h:02d}".ljust(12) for h in range(0, 24, 6)).rstrip()]
    for day, row in zip(DAYS, hours, strict=True):
        cells = "".join(2 * SHADES[0 if not n else 1 + min(3, (n * 4 - 1) // top)] for n in row)
        lines.append(f"{day} {cells}")
    return "\n".join(lines)


def _n(value: Any) -> str:
    return "—" if value is None else fmt.number(value)


def _period(finding: Finding, tz: Any) -> str:
    if finding.period_from is None and finding.period_to is None:
        return ""
    start, end = (f"{when.astimezone(tz):%Y-%m-%d}" if when else "?" for when in (finding.period_from, finding.period_to))
    return f"  [{start} → {end}, n={finding.sample_size}]"


def _whole(value: float | None) -> str:
    return "—" if value is None else fmt.number(round(value))


def figures(view: AnalysisView, tz: Any) -> str:
    """The numbers, one finding a line; 'not enough data' where a finding says so."""
    room, sb, on_me, loyal = view.room_spending, view.statbate_spending, view.statbate_on_me, view.loyalty
    lines = []
    if room.enough_data:
        trend = room["trend"]
        trend_text = (f"last 5 sessions {_n(trend['recent'])} vs 5 before {_n(trend['previous'])}"
                      f" ({fmt.signed(trend['change'])})" if trend["enough_data"] else "trend: fewer than 10 sessions")
        lines.append(f"Room tips    {_n(room['total'])} tk in {_n(room['tips'])} tips · avg {_whole(room['average'])}"
                     f" · largest {_n(room['largest'])} · per session {_whole(room['per_session'])}{_period(room, tz)}")
        lines.append(f"             {trend_text}")
    else:
        lines.append("Room tips    not enough data (no tips recorded in my room)")
    lines.append(f"Statbate     all time {_n(sb['all_time'])} tk · last 2 weeks {_n(sb['last_two_weeks'])} tk"
                 f" · models tipped {_n(sb['models_tipped'])}" if sb.enough_data else
                 "Statbate     not enough data (no Statbate member snapshot)")
    if on_me.enough_data:
        coverage = "—" if on_me["coverage"] is None else f"{on_me['coverage'] * 100:.0f}%"
        lines.append(f"Seen on me   Statbate {_n(on_me['tokens'])} tk / {_n(on_me['tips'])} tips · room"
                     f" {_n(on_me['room_tokens'])} tk · coverage {coverage}{_period(on_me, tz)}")
    else:
        lines.append("Seen on me   not enough data (no Statbate record of tips to me)")
    lines.append(f"Loyalty      {_n(loyal['sessions_attended'])} of {_n(loyal['sessions_held'])} sessions"
                 f" · streak {_n(loyal['current_streak'])} · follows {_n(loyal['follows'])}"
                 f" · unfollows {_n(loyal['unfollows'])}{_period(loyal, tz)}" if loyal.enough_data else
                 "Loyalty      not enough data (never seen in my room)")
    tags = view.tag_spending
    lines.append(f"Tags         {tags['stored_in']}" if tags.enough_data else
                 "Tags         not stored (a lookup does not ask Statbate for tag spending)")
    if view.computed_for_excluded:
        lines.append("Excluded: shown here only, left out of every room total")
    return "\n".join(lines)


class AnalysisPanel(VerticalScroll, can_focus=True):
    def __init__(self, person_id: uuid.UUID, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.person_id = person_id
        self.analysis_read = LiveRead(self, self._read, self._show, name="analysis", follows={
            CHANNEL_STATS: about("person_id", lambda: self.person_id), CHANNEL_EVENTS: None,
        })

    def compose(self) -> ComposeResult:
        yield Static("reading…", id="analysis-figures")
        yield Label("Tokens per attended session (oldest → newest)", id="analysis-sessions-title")
        yield Sparkline([], id="analysis-sessions")
        yield Label("", id="analysis-hours-title")
        yield Static("", id="analysis-hours")

    def on_mount(self) -> None:
        self.reload()

    def reload(self) -> None:
        self.analysis_read.request()

    def _read(self, _changes: Changes) -> AnalysisView | None:
        return data_of(self).analysis(self.person_id)

    def _show(self, view: AnalysisView | None) -> None:
        if view is None:
            self.query_one("#analysis-figures", Static).update("This person is no longer in the database.")
            return
        tz = console_of(self).settings.tz
        # Plain Content: no markup is read from the numbers or the dates.
        self.query_one("#analysis-figures", Static).update(Content(figures(view, tz)))
        spark = self.query_one("#analysis-sessions", Sparkline)
        spark.data = [s.tokens for s in view.sessions]
        spark.display = len(view.sessions) > 1
        self.query_one("#analysis-sessions-title", Label).display = spark.display
        hours = view.active_hours
        self.query_one("#analysis-hours-title", Label).update(Content(
            f"Active hours, {hours['timezone']} (Monday first; darker = more of their interactions)"
            if hours.enough_data else "Active hours: not enough data"))
        chart = self.query_one("#analysis-hours", Static)
        chart.update(Content(hour_chart(hours["hours"])))
        chart.display = hours.enough_data
