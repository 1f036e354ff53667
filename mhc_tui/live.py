"""How the console follows the database: one read in flight per view, one pending, caught up on resume.

Every write a console shows sends a NOTIFY in its transaction (`mhc_core.channels`); the App's reader
hands each one to the `LiveHub`. A screen or widget that shows stored data owns a `LiveRead`: the
channels it follows (each with an optional cheap test of the payload, e.g. "about this person"), a
`read` that runs in a thread and a `show` that runs on the event loop with what it read.

A notification it follows makes the read due. A due read starts at once if none of its own is
running and its screen is shown (current, or visible beneath a modal); otherwise when the running
one is done, however many notifications came meanwhile (so a burst costs at most one read in flight
plus one), or when its screen is shown again (a hidden screen catches up on its return), and never
sooner than `min_interval` after the previous one ended. The read is told what changed since the
last one (`Changes`), so it can read only that when that is cheap (a new note, one session row), and
everything after a reload, a reconnection or more changes than are worth listing.

Reads run as the App's workers: a failure lands in the App's one failure handler, and the owner gets
a `WorkFailed` message to put itself right. What was to be shown stays due and is read again with
the next change, request or return to the screen.
"""

from __future__ import annotations

import asyncio
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar
from weakref import WeakKeyDictionary

from textual.app import App
from textual.dom import DOMNode, NoScreen
from textual.screen import ModalScreen, Screen
from textual.timer import Timer

from mhc_tui.messages import WorkFailed

T = TypeVar("T")
Payload = Mapping[str, object]
PayloadTest = Callable[[Payload], bool]

# Beyond this many changes since the last read, a read is told "everything": listing them is no cheaper.
MAX_CHANGES = 64
# The least time between the end of one read and the start of the next, so a stream of notifications
# does not keep the database busy with one view's reads back to back.
MIN_INTERVAL = 0.2
READ_GROUP = "live"


@dataclass(frozen=True)
class Change:
    """One notification: its channel and payload (see mhc_core.channels)."""

    channel: str
    payload: Payload


@dataclass(frozen=True)
class Changes:
    """What changed since a read last ran: `everything`, or the notifications themselves, oldest first."""

    everything: bool = False
    items: tuple[Change, ...] = ()

    def __bool__(self) -> bool:
        return self.everything or bool(self.items)

    def merge(self, other: Changes) -> Changes:
        if self.everything or other.everything or len(self.items) + len(other.items) > MAX_CHANGES:
            return EVERYTHING
        return Changes(items=self.items + other.items)

    def on(self, channel: str) -> list[Payload]:
        """The payloads that came on `channel` (none when `everything`: read it all)."""
        return [change.payload for change in self.items if change.channel == channel]

    def only(self, *channels: str) -> bool:
        """Nothing changed but on these channels (False for `everything`)."""
        return not self.everything and all(change.channel in channels for change in self.items)


EVERYTHING = Changes(everything=True)
NOTHING = Changes()


def about(key: str, value: Callable[[], object]) -> PayloadTest:
    """A payload test: the payload says `key` is `value()` (as text), or does not say (it may be, then).

    E.g. ``about("person_id", lambda: self.person_id)`` follows one person's changes.
    """

    def test(payload: Payload) -> bool:
        said = payload.get(key)
        return said is None or str(said) == str(value())

    return test


class Follower(ABC):
    """What the hub knows of a LiveRead, whatever it reads."""

    @abstractmethod
    def notice(self, change: Change) -> None: ...

    @abstractmethod
    def request(self, changes: Changes = EVERYTHING) -> None: ...

    @abstractmethod
    def kick(self) -> None: ...

    @abstractmethod
    def resume(self) -> None: ...

    @property
    @abstractmethod
    def attached(self) -> bool: ...

    @property
    @abstractmethod
    def busy(self) -> bool: ...


class LiveRead(Follower, Generic[T]):
    """One view's read of the database, re-run when what it follows changes (see the module).

    `owner` is the screen or widget (or the App) that shows the result: its screen being shown is what
    lets a due read start, and `show` is skipped once it has gone. `follows` maps each channel to a
    payload test (None: every notification on it). Call `request()` from the owner's `on_mount` for the
    first read, and again for a reload or after a write of its own.
    """

    def __init__(
        self,
        owner: DOMNode,
        read: Callable[[Changes], T],
        show: Callable[[T], None],
        *,
        follows: Mapping[str, PayloadTest | None] | Iterable[str] = (),
        name: str = "",
        min_interval: float = MIN_INTERVAL,
    ) -> None:
        self._owner = owner
        self._read = read
        self._show = show
        self._follows: dict[str, PayloadTest | None] = (
            dict(follows) if isinstance(follows, Mapping) else dict.fromkeys(follows)
        )
        self.name = name or f"{type(owner).__name__} read"
        self.min_interval = min_interval
        self._pending = NOTHING
        self._failed = NOTHING  # what a failed read was to show: read with the next change, not on its own
        self._running = False
        self._timer: Timer | None = None
        self._not_before = 0.0  # time.monotonic() before which no read starts
        self._hub: LiveHub | None = None
        self.reads = 0  # reads started

    # -- asked for -------------------------------------------------------------------------------

    def request(self, changes: Changes = EVERYTHING) -> None:
        """Read again (everything, unless told what changed): now if it can, else as soon as it can."""
        if self._hub is None:
            self._hub = LiveHub.of(self._owner.app)
        self._hub.follow(self)
        self._pending = self._pending.merge(changes)
        self.kick()

    def notice(self, change: Change) -> None:
        if change.channel not in self._follows:
            return
        test = self._follows[change.channel]
        if test is not None and not test(change.payload):
            return
        self._pending = self._pending.merge(Changes(items=(change,)))
        self.kick()

    # -- state -------------------------------------------------------------------------------------

    @property
    def attached(self) -> bool:
        return self._owner.is_attached

    @property
    def shown(self) -> bool:
        """The owner's screen is on the terminal (current, or visible beneath a modal); the App always is."""
        owner = self._owner
        if isinstance(owner, App):
            return True
        if not owner.is_attached:
            return False
        try:
            screen = owner if isinstance(owner, Screen) else owner.screen
        except NoScreen:
            return False
        for above in reversed(owner.app.screen_stack):  # the current mode's, top first
            if above is screen:
                return True
            if not isinstance(above, ModalScreen):
                return False  # covered by a screen of its own
        return False

    @property
    def running(self) -> bool:
        return self._running

    @property
    def due(self) -> bool:
        """Something is to be read, and nothing but the running read or a short wait stands in the way."""
        return bool(self._pending) and self._hub is not None and self._hub.started and self.shown

    @property
    def busy(self) -> bool:
        return self._running or self.due

    # -- running -----------------------------------------------------------------------------------

    def kick(self) -> None:
        """Start the due read if nothing stands in its way (the hub calls this on every screen change)."""
        if self._running or not self.due or self._hub is None:
            return
        wait = self._not_before - time.monotonic()
        if wait > 0:
            if self._timer is None:
                self._timer = self._owner.app.set_timer(wait, self._after_wait, name=f"{self.name} wait")
            return
        changes = self._failed.merge(self._pending)
        self._pending = self._failed = NOTHING
        self._running = True
        self.reads += 1
        self._hub.read_started()
        self._owner.app.run_worker(self._run(changes), name=self.name, group=READ_GROUP, exit_on_error=False)

    def resume(self) -> None:
        """The screens changed: a read that failed is due again, and a shown screen catches up."""
        if self._failed:
            self._pending = self._failed.merge(self._pending)
            self._failed = NOTHING
        self.kick()

    def _after_wait(self) -> None:
        self._timer = None
        self.kick()

    async def _run(self, changes: Changes) -> None:
        try:
            result = await asyncio.to_thread(self._read, changes)
        except Exception as error:
            # Still to be shown: read again with the next change, request or return to the screen (not
            # at once, or a lasting failure would be retried in a loop).
            self._failed = changes.merge(self._failed)
            self._finished()
            if self.attached:
                self._owner.post_message(WorkFailed(self.name, error))
            self.kick()  # changes that came meanwhile
            raise  # to the App's failure handler
        except BaseException:  # cancelled: the App is stopping
            self._finished()
            raise
        self._finished()
        if self.attached:
            self._show(result)
        self.kick()

    def _finished(self) -> None:
        self._running = False
        self._not_before = time.monotonic() + self.min_interval
        if self._hub is not None:
            self._hub.moved()


class LiveHub:
    """The App's dispatcher of notifications to every LiveRead (one per App: `LiveHub.of(app)`)."""

    _hubs: WeakKeyDictionary[App[Any], LiveHub] = WeakKeyDictionary()  # any App, whatever it returns

    @classmethod
    def of(cls, app: App[Any]) -> LiveHub:
        hub = cls._hubs.get(app)
        if hub is None:
            hub = cls._hubs[app] = cls(app)
        return hub

    def __init__(self, app: App[Any]) -> None:
        self._app = app
        self._followers: list[Follower] = []
        self.started = False
        self.reads = 0  # reads started by every follower: a public count for whoever measures the load
        self.changes = 0  # notifications handed in
        self._activity = asyncio.Event()  # set, and replaced, on each notification and each end of a read

    def follow(self, follower: Follower) -> None:
        if follower not in self._followers:
            self._followers.append(follower)

    def start(self) -> None:
        """The database is there: reads may run. Each follower with a read due starts it."""
        if not self.started:
            self.started = True
            self._app.screen_change_signal.subscribe(self._app, self._screen_changed)
        for follower in self._live():
            follower.kick()

    def changed(self, channel: str, payload: Payload) -> None:
        """A notification arrived."""
        self.changes += 1
        change = Change(channel, payload)
        for follower in self._live():
            follower.notice(change)
        self.moved()

    def everything(self) -> None:
        """Anything may have changed (the notification connection was just made or made again)."""
        for follower in self._live():
            follower.request(EVERYTHING)
        self.moved()

    def retry_failed(self) -> None:
        """The database answers again: every read that failed runs again (on a shown screen, now)."""
        for follower in self._live():
            follower.resume()

    def read_started(self) -> None:
        self.reads += 1

    @property
    def idle(self) -> bool:
        """No read is running, and none is due on a shown screen."""
        return not any(follower.busy for follower in self._live())

    async def settled(self) -> None:
        """Until `idle`: every read that is running or due has run and been shown."""
        while not self.idle:
            await self.next_activity()

    async def next_activity(self) -> None:
        """Until the next notification arrives or a read ends."""
        await self._activity.wait()

    def moved(self) -> None:
        self._activity.set()
        self._activity = asyncio.Event()

    def _screen_changed(self, _screen: Screen[object]) -> None:
        # A screen shown again catches up on what changed while it was hidden.
        for follower in self._live():
            follower.resume()

    def _live(self) -> list[Follower]:
        self._followers = [follower for follower in self._followers if follower.attached]
        return list(self._followers)
