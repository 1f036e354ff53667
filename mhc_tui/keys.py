"""The console's keys, read from the `Binding` declarations of the App, its screens and widgets.

The help screen and the command palette are drawn from here, so they always say what the bindings
do, with the key the operator has now. `[keys]` in config.toml moves a binding to other keys by its
id (`start_session = "f9"`); `check_keymap` refuses, in one line, an unknown id, a key Textual has no
name for, and two actions on one key where they would both apply.

Screens and widgets are named by their import path and imported only when asked for, so the first
frame does not wait for every screen.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

from textual.binding import Binding
from textual.keys import Keys, _character_to_key, format_key, key_to_character

from mhc_core.config import ConfigError, origin

if TYPE_CHECKING:
    from textual.dom import DOMNode

APP = "mhc_tui.app:MHCApp"


@dataclass(frozen=True)
class Inherited:
    """Keys a Textual class binds to `action` (not ours to declare), told in our words."""

    owner: str
    action: str
    text: str


@dataclass(frozen=True)
class Place:
    """Where a set of bindings works: a screen with the widgets on it (the App's keys apply too, except
    on a modal screen, which takes every key)."""

    title: str
    owners: tuple[str, ...]
    modal: bool = False
    inherited: tuple[Inherited, ...] = ()


PLACES: tuple[Place, ...] = (
    Place("Everywhere", (APP,)),
    Place("Dashboard: event feed and room", (
        "mhc_tui.screens.dashboard:DashboardScreen", "mhc_tui.widgets.event_feed:EventFeed",
        "mhc_tui.widgets.event_feed:FeedView", "mhc_tui.widgets.room_list:RoomList",
    ), inherited=(Inherited("textual.screen:Screen", "app.focus_next", "move between the feed and the room list"),)),
    Place("Lookup", ("mhc_tui.screens.lookup:LookupScreen", "mhc_tui.widgets.person_picker:PersonPicker")),
    Place("Person", (
        "mhc_tui.screens.person:PersonScreen", "mhc_tui.widgets.interactions_table:InteractionsTable",
        "mhc_tui.widgets.attributes_editor:AttributesEditor",
    ), inherited=(Inherited("textual.widgets:SelectionList", "select",
                            "lists: toggle membership (Excluded also excludes)"),)),
    Place("Sessions", ("mhc_tui.screens.sessions:SessionsScreen",)),
    Place("Session recap", ("mhc_tui.screens.recap:RecapScreen",), modal=True),
    Place("Watchlists", ("mhc_tui.screens.watchlists:WatchlistsScreen",)),
    Place("Inbox", ("mhc_tui.screens.inbox:InboxScreen",)),
    Place("Session", ("mhc_tui.screens.session_detail:SessionDetailScreen",)),
    Place("Search", ("mhc_tui.screens.search:SearchScreen",)),
    Place("Note", ("mhc_tui.screens.note:NoteModal",), modal=True),
    Place("Lists of a person (a)", ("mhc_tui.screens.list_picker:ListPickerModal",), modal=True,
          inherited=(Inherited("textual.widgets:SelectionList", "select",
                               "toggle membership (Excluded also excludes)"),)),
    Place("List name", ("mhc_tui.screens.list_name:ListNameModal",), modal=True),
    Place("Setup (,)", ("mhc_tui.screens.setup:SetupScreen",), modal=True),
    Place("Transcript paste", ("mhc_tui.screens.transcript_paste:TranscriptPasteModal",), modal=True),
    Place("Question (end the session?)", ("mhc_tui.screens.confirm:ConfirmScreen",), modal=True),
    Place("This help", ("mhc_tui.screens.help:HelpScreen",), modal=True),
)


@cache
def load(path: str) -> type[DOMNode]:
    module, _, name = path.partition(":")
    owner: type[DOMNode] = getattr(importlib.import_module(module), name)
    return owner


def declared(owner: type) -> list[Binding]:
    """The bindings a class declares itself, in order (not those it inherits)."""
    return [b if isinstance(b, Binding) else Binding(*b) for b in owner.__dict__.get("BINDINGS", ())]


def _in_force(owner: type[DOMNode]) -> list[tuple[str, Binding]]:
    """Every (key, binding) a node of this class answers to: its own and those it inherits (Textual's
    too); as in Textual, a class's binding for a key replaces the one it inherits."""
    found: dict[str, Binding] = {}
    for klass in reversed(owner.__mro__):
        for binding in declared(klass):
            for key in binding.key.split(","):
                found[key.strip()] = binding
    return list(found.items())


def palette_binding() -> Binding:
    """The command palette's key, which Textual binds on the App itself."""
    from textual.app import App

    return Binding(App.COMMAND_PALETTE_BINDING, "command_palette", "Command palette",
                   tooltip="command palette: every action by name, and the theme")


# -- key names --------------------------------------------------------------------------------------

MODIFIERS = frozenset({"ctrl", "shift", "alt", "meta", "super", "hyper"})
NAMED_KEYS = frozenset(
    key.value.rpartition("+")[2] for key in Keys if re.fullmatch(r"[a-z][a-z0-9_]*", key.value.rpartition("+")[2])
)
WORDS = {"enter": "enter", "escape": "escape", "delete": "delete", "space": "space", "tab": "tab"}


def is_key(key: str) -> bool:
    """A key Textual can report: a named key (f9, enter, up), a character or a character's name
    (x, ?, question_mark), with modifiers (ctrl+s)."""
    *modifiers, base = key.split("+")
    if not base or len(set(modifiers)) != len(modifiers) or not set(modifiers) <= MODIFIERS:
        return False
    if len(base) == 1:
        return base.isprintable() and not base.isspace()
    return base in NAMED_KEYS or key_to_character(base) is not None


def canonical(key: str) -> str:
    """One key as Textual spells it: names in lower case (F9 -> f9, Ctrl+N -> ctrl+n), a character by its
    name (? -> question_mark)."""
    *modifiers, base = key.strip().split("+")
    if len(base) != 1 or modifiers:  # terminals send ctrl+n, never ctrl+N
        base = base.lower()
    base = _character_to_key(base) if len(base) == 1 else base  # Textual's spelling, as set_keymap applies it
    return "+".join([*(m.lower() for m in modifiers), base])


def normalise(keys: str) -> str:
    """Textual's spelling of a comma-separated key list."""
    return ",".join(canonical(key) for key in keys.split(","))


def key_name(key: str) -> str:
    """One key as the help shows it: F5, ctrl+enter, ?, ↑, [."""
    *modifiers, base = key.split("+")
    shown = WORDS.get(base) or (base.upper() if re.fullmatch(r"f\d+", base) else format_key(base))
    return "+".join([*modifiers, shown])


def key_text(binding: Binding, keymap: Mapping[str, str]) -> str:
    """The keys of a binding as the operator has them now (its own display unless remapped)."""
    remapped = keymap.get(binding.id) if binding.id else None
    if remapped is None and binding.key_display:
        return binding.key_display
    return " / ".join(key_name(key) for key in (remapped or binding.key).split(","))


def keys_of(binding_id: str, keymap: Mapping[str, str]) -> str:
    """The keys of the binding with this id (the first declared), for hints such as "F5 starts one"."""
    for place in PLACES:
        for path in place.owners:
            for binding in declared(load(path)):
                if binding.id == binding_id:
                    return key_text(binding, keymap)
    raise KeyError(binding_id)


def key_for(node: DOMNode, binding_id: str) -> str:
    """A binding's keys as the operator has them now, for a hint in a screen's text ("F5 starts one")."""
    return keys_of(binding_id, getattr(node.app, "keymap", {}))


# -- help -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    keys: str
    text: str


def help_text(binding: Binding) -> str:
    return binding.tooltip or binding.description


def rows(place: Place, keymap: Mapping[str, str]) -> list[Row]:
    """One row per binding; bindings declared together in one group share a row."""
    out: list[Row] = []
    if place.owners == (APP,):
        bindings = [*declared(load(APP)), palette_binding()]
    else:
        bindings = [b for path in place.owners for b in declared(load(path))]
    # One id on several widgets of a place is one key (the first one says it).
    first = {b.id: b for b in reversed(bindings) if b.id}
    bindings = [b for b in bindings if not b.id or first[b.id] is b]
    index = 0
    while index < len(bindings):
        binding = bindings[index]
        group = binding.group
        if group is None:
            out.append(Row(key_text(binding, keymap), help_text(binding)))
            index += 1
            continue
        members = [binding]
        while index + len(members) < len(bindings) and bindings[index + len(members)].group == group:
            members.append(bindings[index + len(members)])
        out.append(Row(" ".join(key_text(b, keymap) for b in members),
                       f"{group.description}: {' / '.join(b.description for b in members)}"))
        index += len(members)
    for extra in place.inherited:
        keys = [key for key, b in _in_force(load(extra.owner)) if b.action == extra.action]
        out.append(Row(" / ".join(key_name(key) for key in keys), extra.text))
    return out


def every_binding_id() -> set[str]:
    return {b.id for place in PLACES for path in place.owners for b in declared(load(path)) if b.id}


# -- [keys] -------------------------------------------------------------------------------------------


def _scopes() -> Iterator[tuple[Place, list[tuple[str, Binding]]]]:
    """Each place with every (key, binding) that applies there at once."""
    palette = palette_binding()
    app = [*_in_force(load(APP)), (palette.key, palette)]
    for place in PLACES:
        bindings = [pair for path in place.owners for pair in _in_force(load(path))]
        if place.owners == (APP,):
            yield place, app
        else:
            yield place, bindings if place.modal else [*app, *bindings]


def _effective(key: str, binding: Binding, keymap: Mapping[str, str]) -> tuple[list[str], bool]:
    """The keys a binding is on once `keymap` applies, and whether they come from it."""
    remapped = keymap.get(binding.id) if binding.id else None
    return ([part.strip() for part in remapped.split(",")], True) if remapped is not None else ([key], False)


def _what(binding: Binding) -> str:
    return binding.id or binding.action


def check_keymap(keymap: Mapping[str, str]) -> dict[str, str]:
    """`[keys]` as Textual's keymap, or ConfigError (one line naming the setting): an unknown binding id,
    a key that is not a key, or a key given to two actions where both would apply."""
    if not keymap:
        return {}
    setting = origin("keys")
    known = every_binding_id()
    for binding_id, keys in keymap.items():
        if binding_id not in known:
            raise ConfigError(f"{setting}: {binding_id}: unknown action (the actions: {', '.join(sorted(known))})")
        for key in keys.split(","):
            if not is_key(canonical(key)):
                raise ConfigError(f'{setting}: {binding_id} = "{keys}": "{key.strip()}" is not a key name '
                                  "(e.g. f9, ctrl+s, x, question_mark)")
    normalised = {binding_id: normalise(keys) for binding_id, keys in keymap.items()}
    for place, bindings in _scopes():
        owners: dict[str, tuple[Binding, bool]] = {}
        for default_key, binding in bindings:
            bound, remapped = _effective(default_key, binding, normalised)
            for key in bound:
                held = owners.get(key)
                if held is None or _what(held[0]) == _what(binding):
                    owners[key] = (binding, remapped or (held is not None and held[1]))
                elif remapped or held[1]:
                    mine, other = (binding, held[0]) if remapped else (held[0], binding)
                    raise ConfigError(f'{setting}: {_what(mine)} = "{keymap[_what(mine)]}": {key_name(key)} is '
                                      f"already {_what(other)} in {place.title}")
    return normalised


def place_of(screen_class: type[DOMNode]) -> Place | None:
    """The place a screen's keys are listed under."""
    for place in PLACES:
        if any(load(path) is screen_class for path in place.owners):
            return place
    return None
