"""The signals that end a terminal program, turned into the program's own clean stop.

SIGINT (ctrl+c), SIGTERM (kill, a service manager) and SIGHUP (the terminal window closed, an ssh
session dropped: the commonest way a console ends) all run the same stop as quitting does: the batch
in hand is finished, the cursor saved, the capture lock released, and the process exits 0, so its
atexit hooks run too (the embedded server's last user stops it).
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import stat
from collections.abc import Callable

log = logging.getLogger(__name__)

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def stop_on_signals(loop: asyncio.AbstractEventLoop, stop: Callable[[], None]) -> Callable[[], None]:
    """Call `stop` on the loop when a stop signal arrives; returns the function that removes the handlers."""

    def on_signal(sig: signal.Signals) -> None:
        log.info("%s received: stopping", sig.name)
        if sig == signal.SIGHUP:
            release_hung_up_terminal()
        stop()

    for sig in STOP_SIGNALS:
        loop.add_signal_handler(sig, on_signal, sig)

    def remove() -> None:
        for sig in STOP_SIGNALS:
            loop.remove_signal_handler(sig)

    return remove


def release_hung_up_terminal() -> None:
    """Point the standard streams that were on a terminal that has hung up at /dev/null.

    Once the terminal is gone every write to it fails (EIO), and the clean stop must not be cut short by
    a failed status line or screen restore. A terminal still there (`kill -HUP` from elsewhere) is kept.
    """
    devnull = os.open(os.devnull, os.O_RDWR)
    try:
        for fd in (0, 1, 2):
            try:
                character_device = stat.S_ISCHR(os.fstat(fd).st_mode)
            except OSError:
                continue  # closed: nothing will be written there
            # A hung-up terminal no longer answers isatty (its ioctls fail); /dev/null never did.
            if character_device and not os.isatty(fd):
                os.dup2(devnull, fd)
    finally:
        os.close(devnull)
