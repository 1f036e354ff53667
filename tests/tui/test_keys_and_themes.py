"""Keys and looks: the help and the palette come from the bindings, `[keys]` moves a binding, the theme
is chosen from the palette and remembered in config.toml."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import stat
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console
from sqlalchemy import select
from textual.screen import Screen

import mhc_tui.screens
from mhc_core.config import ConfigError, Settings, config_file
from mhc_core.db.models import SessionStatus, StreamSession
from mhc_tui import keys
from mhc_tui.app import MHCApp
from mhc_tui.commands import ConsoleCommands, ThemeCommands
from mhc_tui.screens.help import HelpScreen
from mhc_tui.theme import DAYLIGHT, MIDNIGHT, TITLES
from mhc_tui.widgets.key_tables import KeyTables
from tests.tui.conftest import fixed_clock, wait_until


def _screens() -> list[type[Screen[Any]]]:
    found: list[type[Screen[Any]]] = []
    for info in pkgutil.iter_modules(mhc_tui.screens.__path__):
        module = importlib.import_module(f"mhc_tui.screens.{info.name}")
        found += [c for _n, c in inspect.getmembers(module, inspect.isclass)
                  if issubclass(c, Screen) and c.__module__ == module.__name__]
    return found


def _help_lines(app: MHCApp) -> list[str]:
    console = Console(width=200, record=True, color_system=None)
    console.print(app.screen.query_one(KeyTables).render())
    return [" ".join(line.split()) for line in console.export_text().splitlines()]


def _sessions(db) -> list[str]:  # type: ignore[no-untyped-def]
    with db.session() as s:
        return [r.status for r in s.scalars(select(StreamSession).order_by(StreamSession.id))]


def _with(settings: Settings, **changes: Any) -> Settings:
    return settings.model_copy(update=changes)


async def _open_help(pilot, app: MHCApp) -> None:  # type: ignore[no-untyped-def]
    await wait_until(pilot, lambda: app.db is not None)
    await pilot.press("question_mark")
    await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen), what="help")
    await pilot.pause()


# -- help and palette from the bindings ---------------------------------------------------------------


def test_every_screen_has_a_place_in_the_help() -> None:
    missing = [screen.__name__ for screen in _screens() if keys.place_of(screen) is None]
    assert not missing


async def test_every_binding_of_the_app_and_of_every_screen_is_in_the_help(make_app, db):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await _open_help(pilot, app)
        lines = _help_lines(app)
        for owner in [MHCApp, *_screens()]:
            for binding in keys.declared(owner):
                # A binding in a group shares its row: its key among the group's, its description in the text.
                text = binding.description if binding.group else keys.help_text(binding)
                shown = keys.key_text(binding, {})
                assert text and any(shown in line and text in line for line in lines), \
                    f"{owner.__name__}: {shown} {text!r} not in the help"


def test_every_binding_of_ours_has_an_id() -> None:
    for place in keys.PLACES:
        for path in place.owners:
            for binding in keys.declared(keys.load(path)):
                assert binding.id, f"{path}: {binding.key} has no id"


async def test_the_palette_lists_the_app_and_screen_actions_with_their_keys(make_app, settings, db):
    app = make_app(settings=_with(settings, keys={"start_session": "f9"}))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: app.db is not None)
        provider = ConsoleCommands(app.screen)
        hits = {hit.text: hit.help async for hit in provider.discover()}
        assert hits["Start"] == "start a LIVE stream session now (F9)"
        assert hits["Dashboard"].endswith("(d)") and "Note" in hits and "Open person" in hits


async def test_the_theme_list_offers_only_the_consoles_themes(make_app, db):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        titles = [hit.text async for hit in ThemeCommands(app.screen).discover()]
        assert titles == [TITLES[MIDNIGHT.name], TITLES[DAYLIGHT.name]]


# -- [keys] --------------------------------------------------------------------------------------------


async def test_a_remapped_key_works_and_the_old_one_does_not(make_app, settings, db):
    app = make_app(settings=_with(settings, keys={"start_session": "f9"}))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: app.db is not None)
        await pilot.press("f5")
        await pilot.pause(0.3)
        assert _sessions(db) == []
        await pilot.press("f9")
        await wait_until(pilot, lambda: _sessions(db) == [SessionStatus.LIVE.value], what="session start")


async def test_the_help_shows_the_remapped_key(make_app, settings, db):
    app = make_app(settings=_with(settings, keys={"start_session": "f9", "help": "f1"}))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: app.db is not None)
        await pilot.press("f1")
        await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen), what="help on f1")
        await pilot.pause()
        lines = _help_lines(app)
        assert "F9 start a LIVE stream session now" in lines
        assert not any(line.startswith("F5 ") for line in lines)


async def test_the_lookup_hint_names_the_remapped_key(make_app, settings, db):
    app = make_app(settings=_with(settings, keys={"look_up": "f8"}))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: app.db is not None)
        await app.switch_mode("lookup")
        await wait_until(pilot, lambda: "then F8." in str(app.screen.query_one("#lookup-status").render()),
                         what="the hint with F8")


@pytest.mark.parametrize("keymap, says", [
    ({"foo": "x"}, "foo: unknown action (the actions: add_tag, "),
    ({"start_session": "f99"}, 'start_session = "f99": "f99" is not a key name'),
    ({"start_session": "ctrl+"}, 'is not a key name'),
    ({"start_session": "hyperspace+x"}, 'is not a key name'),
    ({"start_session": "n"}, 'start_session = "n": n is already note in Dashboard'),
    ({"note": "f"}, 'note = "f": f is already cycle_filter in Dashboard'),
    ({"dashboard": "x"}, 'dashboard = "x": x is already remove_tag in Person'),
    ({"start_session": "f6"}, 'start_session = "f6": F6 is already end_session in Everywhere'),
    ({"start_session": "tab"}, "is already app.focus_next"),
])
def test_bad_keys_are_one_line_naming_the_setting(keymap, says) -> None:
    with pytest.raises(ConfigError) as raised:
        keys.check_keymap(keymap)
    message = str(raised.value)
    assert message.startswith("MHC_KEYS") and says in message and "\n" not in message


def test_keys_that_move_together_or_swap_are_fine() -> None:
    assert keys.check_keymap({"start_session": "f9", "end_session": "f10", "note": "j", "help": "?"}) == {
        "start_session": "f9", "end_session": "f10", "note": "j", "help": "question_mark",
    }
    assert keys.check_keymap({"start_session": "f6", "end_session": "f5"})  # swapped: no clash
    assert keys.check_keymap({"back": "backspace", "look_up": "ctrl+enter,ctrl+s"})


# -- themes -------------------------------------------------------------------------------------------


async def test_choosing_a_theme_remembers_it_in_config_toml_keeping_the_rest(make_app, db):
    path = config_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("# my console\nbroadcaster = \"hudson_cage\"  # him\n\n[keys]\nstart_session = \"f9\"\n")
    path.chmod(0o600)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert app.theme == MIDNIGHT.name
        app.theme = DAYLIGHT.name
        await wait_until(pilot, lambda: 'theme = "mhc-daylight"' in path.read_text(), what="theme written")
    text = path.read_text()
    assert text.startswith("# my console\nbroadcaster = \"hudson_cage\"  # him\n")
    assert "[keys]\nstart_session = \"f9\"" in text
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


async def test_the_remembered_theme_is_the_one_the_console_starts_with(make_app, settings, db):
    app = make_app(settings=_with(settings, theme=DAYLIGHT.name))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert app.theme == DAYLIGHT.name and not app.current_theme.dark
    assert not config_file().exists()  # starting with it is not a change to write


def test_an_unknown_theme_is_a_config_error(settings) -> None:
    with pytest.raises(ConfigError, match=r"^MHC_THEME: unknown theme 'nope' \(the themes: mhc-midnight, "):
        MHCApp(_with(settings, theme="nope"))


class _Recording(MHCApp):
    """The console, keeping what it told the operator."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.said: list[str] = []

    def notify(self, message: str, **kwargs: Any) -> None:  # type: ignore[override]
        self.said.append(message)
        super().notify(message, **kwargs)


@pytest.mark.parametrize("spoil", ["read-only", "not a directory"])
async def test_a_config_that_cannot_be_written_is_one_notification_not_a_crash(settings, db, spoil, caplog):
    path = config_file()
    if spoil == "read-only":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("broadcaster = \"hudson_cage\"\n")
        path.chmod(0o400)
    else:
        Path(path.parent).parent.mkdir(parents=True, exist_ok=True)
        path.parent.write_text("a file where the directory should be")
    app = _Recording(settings, clock=fixed_clock, database=db, start_capture=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        app.theme = DAYLIGHT.name
        await wait_until(pilot, lambda: any(s.startswith("Theme not remembered") for s in app.said), what="notice")
        assert app.is_running and app.theme == DAYLIGHT.name
    said = [s for s in app.said if s.startswith("Theme not remembered")]
    assert len(said) == 1 and "\n" not in said[0]
    assert any("theme mhc-daylight not remembered" in r.getMessage() for r in caplog.records)
    if spoil == "read-only":
        assert path.read_text() == "broadcaster = \"hudson_cage\"\n"


async def test_textuals_theme_command_offers_the_consoles_themes_and_switches(make_app, db):
    from textual.command import CommandPalette
    from textual.widgets import OptionList

    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        app.action_change_theme()
        await wait_until(pilot, lambda: isinstance(app.screen, CommandPalette), what="theme list")
        options = app.screen.query_one(OptionList)
        await wait_until(pilot, lambda: options.option_count == 2, what="two themes")
        shown = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        assert [s.splitlines()[0] for s in shown] == [TITLES[MIDNIGHT.name], TITLES[DAYLIGHT.name]]
        await pilot.press(*"daylight")
        await wait_until(pilot, lambda: options.option_count == 1, what="one theme")
        await pilot.press("down", "enter")
        await wait_until(pilot, lambda: app.theme == DAYLIGHT.name, what="daylight")


async def test_a_new_theme_redraws_what_was_already_drawn(make_app, seed_room):
    from rich.color import Color

    from mhc_tui.widgets.event_feed import FeedView
    from mhc_tui.widgets.session_bar import SessionBar
    from tests.tui.conftest import dashboard_loaded

    def colours(app: MHCApp) -> set[Color | None]:
        """The colours of the feed's lines and of the session panel, as drawn now."""
        view = app.screen.query_one(FeedView)
        segments = [*(s for y in range(view.size.height) for s in view.render_line(y)),
                    *Console(width=120).render(app.screen.query_one(SessionBar).content)]
        return {s.style.color for s in segments if s.style}

    tip = {theme.name: Color.parse(theme.variables["mhc-tip"]) for theme in (MIDNIGHT, DAYLIGHT)}
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: dashboard_loaded(app), what="dashboard")
        await pilot.pause()
        assert tip[MIDNIGHT.name] in colours(app) and tip[DAYLIGHT.name] not in colours(app)
        app.theme = DAYLIGHT.name
        await pilot.pause(0.2)
        assert tip[DAYLIGHT.name] in colours(app) and tip[MIDNIGHT.name] not in colours(app)
