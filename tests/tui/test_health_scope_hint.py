"""The health line says when the Events API token may lack the full scope, in the warning style, once."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from rich.style import Style

from mhc_core.capture.status import ComponentStatus
from mhc_core.data.views import LiveSummary
from mhc_core.db.notify import CHANNEL_EVENTS, notify
from mhc_core.services import interactions, persons, sessions
from mhc_core.services.scope_hint import SCOPE_CHAT_MIN
from mhc_tui.widgets.health import SCOPE_HINT, SCOPE_HINT_SHORT, HealthLine, HealthState, render_health
from tests.tui.conftest import BROADCASTER, NOW, notices, settle, wait_until

WARNING = Style(color="yellow", bold=True)


def _state(*, scope_hint: bool) -> HealthState:
    return HealthState(
        capture=ComponentStatus("capture", "connected", ""), stats=ComponentStatus("stats", "connected", ""),
        database=ComponentStatus("database", "connected", "127.0.0.1:5432/mhc"),
    ).with_summary(LiveSummary(None, None, 0, NOW - timedelta(minutes=5), scope_hint=scope_hint))


def _styles(name: str) -> Style:
    return WARNING if name == "health-line--warning" else Style.null()


def test_the_hint_follows_capture_in_the_warning_style() -> None:
    line = render_health(_state(scope_hint=True), NOW, _styles, width=200)
    assert f"capture connected │ {SCOPE_HINT} │ stats connected" in line.plain
    start = line.plain.index(SCOPE_HINT)
    assert any(span.style == WARNING and span.start == start and span.end == start + len(SCOPE_HINT)
               for span in line.spans)


def test_at_120_columns_the_hint_takes_its_short_words() -> None:
    line = render_health(_state(scope_hint=True), NOW)
    assert f"capture connected │ {SCOPE_HINT_SHORT} │ stats connected" in line.plain
    assert SCOPE_HINT not in line.plain


def test_no_hint_no_words() -> None:
    line = render_health(_state(scope_hint=False), NOW, width=200).plain
    assert "scope" not in line
    assert "capture connected │ stats connected" in line


def test_the_hint_is_announced_once_when_it_appears() -> None:
    quiet, hinted = _state(scope_hint=False), _state(scope_hint=True)
    assert [p.title for p in hinted.new_problems(quiet)] == ["Events API scope"]
    assert [p.severity for p in hinted.new_problems(quiet)] == ["warning"]
    assert hinted.new_problems(hinted) == []  # still there: not said again


async def test_the_console_says_it_once_and_logs_it_once(make_app, db, caplog: pytest.LogCaptureFixture) -> None:
    with db.session() as s:
        sid = sessions.start(s, BROADCASTER, at=NOW - timedelta(hours=5)).id
        for n in range(SCOPE_CHAT_MIN):
            viewer = persons.find_or_create(s, f"viewer_{n % 4}")
            interactions.append(s, viewer.id, "CHAT_MESSAGE", content="hi", source="cb_events",
                                timestamp=NOW - timedelta(hours=4, minutes=-n), stream_session_id=sid)
        sessions.end(s, BROADCASTER, at=NOW - timedelta(hours=3))
    app = make_app()
    caplog.set_level(logging.WARNING, logger="mhc_tui.app")
    async with app.run_test(size=(120, 40)) as pilot:
        line = lambda: str(app.screen.query_one(HealthLine).render())  # noqa: E731
        await wait_until(pilot, lambda: SCOPE_HINT_SHORT in line(), what="the scope hint")
        with db.session() as s:
            notify(s, CHANNEL_EVENTS, {"broadcaster": BROADCASTER, "count": 1, "max_id": 0})
        await settle(pilot)
        assert SCOPE_HINT_SHORT in line()
    assert len([n for n in notices(app) if "may lack the full scope" in n]) == 1
    assert len([r for r in caplog.records if "may lack the full scope" in r.getMessage()]) == 1
