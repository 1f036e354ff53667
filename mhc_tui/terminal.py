"""The console's terminal stream, made to survive the terminal going away.

When the terminal window closes, every write to it fails with EIO. Textual writes from its own output
thread, which such an error ends; the screen updates queued after that then fill its queue and the
clean stop that SIGHUP starts (batch finished, cursor saved, lock released) would wait forever behind
them. With no terminal there is nothing left to draw, so output from then on is discarded, once said.
"""

from __future__ import annotations

import errno
import logging
import sys
from typing import IO, TYPE_CHECKING, Any

from textual.driver import Driver

if TYPE_CHECKING:
    from textual.app import App

log = logging.getLogger(__name__)

# What writing to a terminal that has gone reports: hung up (EIO), closed (EBADF), a closed pipe (EPIPE).
_GONE = frozenset({errno.EIO, errno.EBADF, errno.EPIPE})


class HangupSafeStream:
    """A text stream whose writes, once the terminal behind it has gone, are discarded instead of raising."""

    def __init__(self, stream: IO[str]) -> None:
        self._stream = stream
        self.gone = False

    def _gone(self, exc: OSError) -> None:
        if not self.gone:
            self.gone = True
            log.info("the terminal has gone (%s); screen output is discarded from now on", exc.strerror)

    def write(self, text: str) -> int:
        if not self.gone:
            try:
                return self._stream.write(text)
            except OSError as exc:
                if exc.errno not in _GONE:
                    raise
                self._gone(exc)
        return len(text)

    def flush(self) -> None:
        if not self.gone:
            try:
                self._stream.flush()
            except OSError as exc:
                if exc.errno not in _GONE:
                    raise
                self._gone(exc)

    def __getattr__(self, name: str) -> Any:  # fileno, isatty, encoding...: the terminal's own
        return getattr(self._stream, name)


def hangup_safe(driver_class: type[Driver]) -> type[Driver]:
    """`driver_class` (Textual's Linux driver) writing through a HangupSafeStream; other drivers as they are."""
    if sys.platform == "win32":  # no termios: the Windows driver writes through the console API
        return driver_class
    from textual.drivers.linux_driver import LinuxDriver

    if not issubclass(driver_class, LinuxDriver):
        return driver_class

    class HangupSafeDriver(LinuxDriver):
        def __init__(self, app: App[Any], **kwargs: Any) -> None:
            super().__init__(app, **kwargs)
            # The driver keeps the stream it writes to as `_file`; it is the one thing replaced here.
            if self._file is not None:
                # Typed as the TextIOWrapper it wraps; it has every method the driver calls on one.
                self._file = HangupSafeStream(self._file)  # type: ignore[assignment]

    return HangupSafeDriver
