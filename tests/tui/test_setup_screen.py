"""The setup screen: a first run opens it, a pasted Events API URL fills the room and the token, each
token is tried at once, saving writes config.toml (0600) and capture starts without a restart."""

from __future__ import annotations

import stat

import pytest
from sqlalchemy import func, select
from textual.widgets import Input, Static

from mhc_core.config import config_file, load_settings
from mhc_core.db.models import EventLog
from mhc_core.setup.first_run import is_first_run
from mhc_tui.screens.setup import SetupScreen
from tests.tui.conftest import notices, wait_until


@pytest.fixture
def fresh_env(monkeypatch, database_url, tmp_path, fake_apis):
    """What a fresh machine has: no token anywhere; the servers are the fake's (in the environment, as
    a server's URL would be)."""
    monkeypatch.setenv("MHC_DATABASE_URL", database_url)
    monkeypatch.setenv("MHC_STATS_BASE_URL", fake_apis.base_url)
    monkeypatch.setenv("MHC_STATBATE_BASE_URL", fake_apis.statbate_base_url)
    monkeypatch.setenv("MHC_LOG_DIR", str(tmp_path / "logs"))
    monkeypatch.setenv("MHC_TIMEZONE", "UTC")
    monkeypatch.setenv("MHC_CAPTURE_LEASE_SECONDS", "5")
    return fake_apis


def events_url(fake, broadcaster="hudson_cage", token=None):
    return f"{fake.base_url}/events/{broadcaster}/{token or fake.events_token}/"


def verdict(screen, api):
    said = str(screen.query_one(f"#verdict-{api}", Static).render())
    return said


async def test_first_run_pastes_url_tries_tokens_saves_and_captures(make_app, fresh_env, db):
    fake = fresh_env
    fake.push({"method": "chatMessage", "id": "1700000000000-0",
               "object": {"broadcaster": "hudson_cage", "user": {"username": "alice_01"},
                          "message": {"message": "hi"}}})
    settings = load_settings()
    assert is_first_run(settings)
    app = make_app(settings=settings, offer_setup=True, start_capture=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, SetupScreen), what="setup opens by itself")
        screen = app.screen
        screen.query_one("#input-events", Input).value = "  " + events_url(fake) + "?timeout=10 "
        await wait_until(pilot, lambda: "accepted" in verdict(screen, "events"), what="events accepted")

        assert "hudson_cage" in verdict(screen, "events")
        screen.query_one("#input-stats", Input).value = "not-the-stats-token"
        await wait_until(pilot, lambda: "rejected" in verdict(screen, "stats"), what="stats rejected")
        screen.query_one("#input-stats", Input).value = fake.stats_token
        await wait_until(pilot, lambda: "accepted" in verdict(screen, "stats"), what="stats accepted")
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: not isinstance(app.screen, SetupScreen), what="setup closes")
        await wait_until(pilot, lambda: app.health.capture.state == "connected", timeout=15,
                         what="capture starts without a restart")
        await wait_until(pilot, lambda: app.health.stats.state == "connected", timeout=15, what="stats poll")
        with db.session() as s:
            await wait_until(pilot, lambda: s.scalar(select(func.count()).select_from(EventLog)) >= 1,
                             what="the pasted room's event captured")
        assert any("Saved to" in said for said in notices(app))
    path = config_file()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    text = path.read_text()
    assert fake.events_token in text and fake.stats_token in text
    assert "not-the-stats-token" not in text
    saved = load_settings()
    assert saved.events_base_url == fake.base_url and saved.broadcaster == "hudson_cage"
    assert not is_first_run(saved)


async def test_escape_on_first_run_does_not_open_it_again(make_app, fresh_env):
    settings = load_settings()
    app = make_app(settings=settings, offer_setup=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, SetupScreen), what="setup opens")
        await pilot.press("escape")
        await wait_until(pilot, lambda: config_file().exists(), what="the settings file made")
        assert not isinstance(app.screen, SetupScreen)
        await pilot.press("comma")  # still there on `,`
        await wait_until(pilot, lambda: isinstance(app.screen, SetupScreen), what="`,` opens setup")
    assert not is_first_run(load_settings())


async def test_a_token_from_the_environment_is_shown_and_locked(make_app, fresh_env, monkeypatch):
    monkeypatch.setenv("MHC_STATS_TOKEN", fresh_env.stats_token)
    app = make_app(settings=load_settings())
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("comma")
        await wait_until(pilot, lambda: isinstance(app.screen, SetupScreen), what="setup opens")
        screen = app.screen
        field = screen.query_one("#input-stats", Input)
        await wait_until(pilot, lambda: field.disabled, what="the environment's field locked")
        assert "set in the environment (MHC_STATS_TOKEN)" in field.placeholder
        await wait_until(pilot, lambda: "in use now: accepted" in verdict(screen, "stats"), what="current tried")


async def test_junk_is_refused_and_nothing_saved(make_app, fresh_env):
    app = make_app(settings=load_settings())
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("comma")
        await wait_until(pilot, lambda: isinstance(app.screen, SetupScreen), what="setup opens")
        screen = app.screen
        screen.query_one("#input-events", Input).value = "https://chaturbate.com/hudson_cage/"
        await wait_until(pilot, lambda: "not an Events API URL" in verdict(screen, "events"), what="junk said")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, SetupScreen)
    assert not config_file().exists()
