"""The refresh mechanism on a small app of its own: which notifications cause a read, how many reads a
burst costs, catching up on return to a screen, narrow reads, failures."""

from __future__ import annotations

import asyncio
import threading

from textual.app import App, ComposeResult
from textual.screen import ModalScreen, Screen
from textual.widgets import Label
from textual.worker import Worker, WorkerState

from mhc_tui.live import EVERYTHING, MAX_CHANGES, Change, Changes, LiveHub, LiveRead, about
from mhc_tui.messages import WorkFailed

PERSON = "0b8e6f3c-6a57-4a5e-9d3a-2f4c1f0a7e11"
OTHER = "5d1c2b7a-0000-4000-8000-000000000001"


class Probe:
    """A read that records what it was told, can be held, and can be made to fail."""

    def __init__(self) -> None:
        self.told: list[Changes] = []
        self.shown: list[int] = []
        self.gate = threading.Event()
        self.gate.set()
        self.entered = threading.Event()
        self.fail_next = False

    def read(self, changes: Changes) -> int:
        self.told.append(changes)
        self.entered.set()
        assert self.gate.wait(10), "the read was held too long"
        if self.fail_next:
            self.fail_next = False
            raise LookupError("the row went away")
        return len(self.told)

    def show(self, result: int) -> None:
        self.shown.append(result)

    def hold(self) -> None:
        """Hold the next read once it has started."""
        self.gate.clear()
        self.entered.clear()

    async def running(self) -> None:
        """Until the held read has started."""
        assert await asyncio.to_thread(self.entered.wait, 5), "no read started"


class Following(Screen[None]):
    """Shows one person: follows mhc_persons for that person, and mhc_events."""

    def __init__(self, probe: Probe, *, min_interval: float = 0.0) -> None:
        super().__init__()
        self.probe = probe
        self.failures: list[str] = []
        self.live = LiveRead(self, probe.read, probe.show, name="probe", min_interval=min_interval, follows={
            "mhc_persons": about("person_id", lambda: PERSON), "mhc_events": None,
        })

    def compose(self) -> ComposeResult:
        yield Label("following")

    def on_mount(self) -> None:
        self.live.request()

    def on_work_failed(self, message: WorkFailed) -> None:
        self.failures.append(str(message.error))


class Other(Screen[None]):
    def compose(self) -> ComposeResult:
        yield Label("another screen")


class Modal(ModalScreen[None]):
    def compose(self) -> ComposeResult:
        yield Label("a question")


class LiveApp(App[None]):
    def __init__(self, probe: Probe, *, min_interval: float = 0.0, start: bool = True) -> None:
        super().__init__()
        self.probe = probe
        self.min_interval = min_interval
        self.start_at_mount = start
        self.worker_errors: list[BaseException] = []

    def on_mount(self) -> None:
        self.push_screen(Following(self.probe, min_interval=self.min_interval))
        if self.start_at_mount:
            LiveHub.of(self).start()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.ERROR and event.worker.error is not None:
            self.worker_errors.append(event.worker.error)

    @property
    def hub(self) -> LiveHub:
        return LiveHub.of(self)


async def settle(app: LiveApp) -> None:
    """Until every read that is running or due has run and been shown."""
    await app.hub.settled()


def following(app: LiveApp) -> Following:
    screen = app.screen
    assert isinstance(screen, Following)
    return screen


async def test_the_first_read_waits_for_the_database_then_reads_everything():
    probe = Probe()
    app = LiveApp(probe, start=False)
    async with app.run_test() as pilot:
        await pilot.pause()
        assert probe.told == [] and app.hub.idle
        app.hub.start()
        await settle(app)
        assert probe.told == [EVERYTHING]
        assert probe.shown == [1]


async def test_only_what_it_follows_causes_a_read():
    probe = Probe()
    app = LiveApp(probe)
    async with app.run_test():
        await settle(app)
        app.hub.changed("mhc_stats", {"broadcaster": "hudson_cage", "snapshot_id": 7})  # not followed
        app.hub.changed("mhc_persons", {"person_id": OTHER, "what": "note", "id": 3})  # someone else
        await settle(app)
        assert len(probe.told) == 1
        app.hub.changed("mhc_persons", {"person_id": PERSON, "what": "note", "id": 4})
        await settle(app)
        assert probe.told[-1] == Changes(items=(Change("mhc_persons", {"person_id": PERSON, "what": "note", "id": 4}),))
        assert probe.told[-1].on("mhc_persons")[0]["id"] == 4 and probe.told[-1].only("mhc_persons")


async def test_a_burst_of_a_thousand_notifications_costs_one_more_read():
    probe = Probe()
    app = LiveApp(probe)
    async with app.run_test():
        await settle(app)
        probe.hold()
        app.hub.changed("mhc_events", {"count": 1, "max_id": 1})
        await probe.running()
        assert len(probe.told) == 2
        for n in range(1_000):
            app.hub.changed("mhc_events", {"count": 1, "max_id": n + 2})
        probe.gate.set()
        await settle(app)
        assert len(probe.told) == 3  # the held read, then one for all that came meanwhile
        assert probe.told[2] == EVERYTHING  # more than is worth listing
        assert probe.shown == [1, 2, 3]
        assert app.hub.reads == 3 and following(app).live.reads == 3


async def test_a_few_changes_while_reading_are_handed_to_the_next_read():
    probe = Probe()
    app = LiveApp(probe)
    async with app.run_test():
        await settle(app)
        probe.hold()
        app.hub.changed("mhc_events", {"max_id": 1})
        await probe.running()
        for n in range(3):
            app.hub.changed("mhc_persons", {"person_id": PERSON, "what": "note", "id": n})
        probe.gate.set()
        await settle(app)
        assert [p["id"] for p in probe.told[-1].on("mhc_persons")] == [0, 1, 2]
        assert len(probe.told[-1].items) == 3 < MAX_CHANGES


async def test_a_hidden_screen_reads_nothing_then_catches_up_when_shown_again():
    probe = Probe()
    app = LiveApp(probe)
    async with app.run_test() as pilot:
        await settle(app)
        await app.push_screen(Other())
        app.hub.changed("mhc_persons", {"person_id": PERSON, "what": "attribute", "id": 9})
        app.hub.changed("mhc_events", {"max_id": 5})
        await settle(app)
        assert len(probe.told) == 1  # hidden: nothing read
        app.pop_screen()
        await pilot.pause()
        await settle(app)
        assert len(probe.told) == 2
        assert [c.channel for c in probe.told[1].items] == ["mhc_persons", "mhc_events"]


async def test_a_screen_beneath_a_modal_is_still_shown_and_stays_live():
    probe = Probe()
    app = LiveApp(probe)
    async with app.run_test():
        await settle(app)
        await app.push_screen(Modal())
        app.hub.changed("mhc_events", {"max_id": 5})
        await settle(app)
        assert len(probe.told) == 2


async def test_a_failed_read_lands_on_the_app_tells_the_owner_and_is_read_again_with_the_next_change():
    probe = Probe()
    app = LiveApp(probe)
    async with app.run_test() as pilot:
        await settle(app)
        screen = following(app)
        probe.fail_next = True
        app.hub.changed("mhc_persons", {"person_id": PERSON, "what": "note", "id": 1})
        await settle(app)
        await pilot.pause()
        assert [str(e) for e in app.worker_errors] == ["the row went away"]
        assert screen.failures == ["the row went away"]
        assert probe.shown == [1] and len(probe.told) == 2  # not retried on its own
        app.hub.changed("mhc_events", {"max_id": 2})
        await settle(app)
        assert [c.channel for c in probe.told[2].items] == ["mhc_persons", "mhc_events"]  # nothing lost
        assert probe.shown == [1, 3]


async def test_reads_back_to_back_are_spaced():
    min_interval = 0.3
    probe = Probe()
    app = LiveApp(probe, min_interval=min_interval)
    async with app.run_test():
        await settle(app)
        start = following(app).live.reads
        loop_time = asyncio.get_running_loop().time
        began = loop_time()
        for n in range(3):
            app.hub.changed("mhc_events", {"max_id": n})
            await settle(app)
        assert following(app).live.reads == start + 3
        assert loop_time() - began >= 2 * min_interval


async def test_a_reconnection_reads_everything_and_a_screen_gone_is_forgotten():
    probe = Probe()
    app = LiveApp(probe)
    async with app.run_test():
        await settle(app)
        app.hub.everything()
        await settle(app)
        assert probe.told[-1] == EVERYTHING
        probe.hold()
        app.hub.changed("mhc_events", {"max_id": 3})
        await probe.running()
        reads = len(probe.told)
        await app.switch_screen(Other())  # the following screen goes while its read runs
        probe.gate.set()
        await app.workers.wait_for_complete()
        assert len(probe.shown) == reads - 1  # the read of a screen that has gone is not shown
        app.hub.changed("mhc_events", {"max_id": 4})
        await settle(app)
        assert len(probe.told) == reads and app.hub.idle
