"""A reader that closed the pipe (`mhc sessions --json | head -1`, `mhc listen --jsonl | head`).

It has what it wanted, so this is not a failure: what is still to be written goes to /dev/null, so
that neither a later write nor the interpreter's exit-time flush raises on the dead pipe.
"""

from __future__ import annotations

import os
from typing import TextIO


def discard_rest(stream: TextIO) -> None:
    """Point `stream`'s file descriptor at /dev/null (a stream with no descriptor has no exit flush)."""
    try:
        fd = stream.fileno()
    except (AttributeError, ValueError, OSError):
        return  # not a real file (an embedding or a test stream)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, fd)
    finally:
        os.close(devnull)
