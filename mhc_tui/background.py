"""One-off work (a write, a lookup) off the event loop, as one of the App's workers.

Textual gives a worker's state changes to the node that started it, and they do not bubble; work
started here belongs to the App, so every failure lands in the App's one failure handler, whichever
screen or widget asked for it. That node gets a `WorkFailed` message to put itself right (give back a
field it disabled, say what did not happen), and `done` with the result if it is still there.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TypeVar

from textual.dom import DOMNode
from textual.worker import Worker

from mhc_tui.messages import WorkFailed

T = TypeVar("T")


def run_in_thread(
    node: DOMNode, work: Callable[[], T], *, name: str, done: Callable[[T], None] | None = None
) -> Worker[T]:
    """Run `work()` in a thread for `node`; `done(result)` runs on the event loop afterwards. The
    worker's `wait()` gives the result (or raises WorkerFailed, once the App has reported it)."""

    async def run() -> T:
        try:
            result = await asyncio.to_thread(work)
        except Exception as error:
            if node.is_attached:
                node.post_message(WorkFailed(name, error))
            raise  # to the App's failure handler
        if done is not None and node.is_attached:
            done(result)
        return result

    return node.app.run_worker(run(), name=name, group=name, exit_on_error=False)
