"""MHC_ALERT_COMMAND: a program run once per alert with the alert's JSON on standard input.

Run without a shell (the line is split as a shell would, nothing is interpreted), at most two at once,
each killed after its time limit; alerts waiting beyond the queue's bound are dropped oldest first.
Its failures are logged as one line each and never reach capture: `submit` never blocks.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import shlex
from collections import deque
from typing import Any

from mhc_core.redact import mask

log = logging.getLogger(__name__)

MAX_RUNNING = 2
MAX_WAITING = 100


def _environment() -> dict[str, str]:
    """The process's environment without the tokens (a notifier has no business with them)."""
    return {k: v for k, v in os.environ.items() if not (k.startswith("MHC_") and k.endswith("_TOKEN"))}


class AlertCommand:
    def __init__(self, command_line: str, *, timeout: float = 10.0, max_waiting: int = MAX_WAITING) -> None:
        self._argv = shlex.split(command_line)
        self._name = self._argv[0] if self._argv else "?"
        self._timeout = timeout
        self._waiting: deque[dict[str, Any]] = deque()
        self._max_waiting = max_waiting
        self._tasks: set[asyncio.Task[None]] = set()

    def submit(self, alert: dict[str, Any]) -> None:
        """Run the command for this alert (now, or when one of the two running ends). On the loop."""
        if len(self._waiting) >= self._max_waiting:
            dropped = self._waiting.popleft()
            log.warning("alert command: too many alerts waiting; alert %s dropped", dropped.get("id"))
        self._waiting.append(alert)
        self._start()

    def _start(self) -> None:
        while self._waiting and len(self._tasks) < MAX_RUNNING:
            task = asyncio.get_running_loop().create_task(self._run(self._waiting.popleft()))
            self._tasks.add(task)
            task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.warning("alert command: %s", mask(str(task.exception())))
        self._start()

    async def _run(self, alert: dict[str, Any]) -> None:
        data = json.dumps(alert, ensure_ascii=False).encode()
        try:
            proc = await asyncio.create_subprocess_exec(
                *self._argv, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.DEVNULL,
                stderr=asyncio.subprocess.PIPE, env=_environment())
        except (OSError, ValueError) as exc:
            log.warning("alert command: cannot start %s: %s", mask(self._name), mask(str(exc)))
            return
        try:
            _, err = await asyncio.wait_for(proc.communicate(data), self._timeout)
        except TimeoutError:
            proc.kill()
            await proc.wait()
            log.warning("alert command: %s killed after %gs (alert %s)", mask(self._name), self._timeout,
                        alert.get("id"))
            return
        except asyncio.CancelledError:
            proc.kill()
            await proc.wait()
            raise
        if proc.returncode:
            said = " ".join(err.decode(errors="replace").split())[:200]
            log.warning("alert command: %s exited with %s (alert %s)%s", mask(self._name), proc.returncode,
                        alert.get("id"), f": {mask(said)}" if said else "")

    async def aclose(self) -> None:
        """Let the running ones finish (each within its limit); those waiting are dropped."""
        if self._waiting:
            log.info("alert command: %d waiting alert(s) not run at shutdown", len(self._waiting))
            self._waiting.clear()
        if self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)
