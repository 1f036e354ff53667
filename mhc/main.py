"""`mhc`: the core's command line, with the console plugged in.

The console is imported only when it is started, so the headless commands (`mhc listen`, `mhc db`, ...)
never load Textual.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from mhc_core import cli

if TYPE_CHECKING:
    from mhc_core.config import Settings


def run_console(settings: Settings, verbose: bool) -> int:
    from mhc_tui.app import run_console as run

    return run(settings, verbose=verbose)


def main(argv: Sequence[str] | None = None) -> int:
    return cli.main(argv, console=run_console)
