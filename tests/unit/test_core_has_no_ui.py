"""The core runs headless: importing every module of mhc_core must not import Textual."""

from __future__ import annotations

import subprocess
import sys


def test_mhc_core_never_imports_textual() -> None:
    code = (
        "import pkgutil, importlib, sys, mhc_core\n"
        "for m in pkgutil.walk_packages(mhc_core.__path__, 'mhc_core.'):\n"
        "    importlib.import_module(m.name)\n"
        "bad = sorted(n for n in sys.modules if n == 'textual' or n.startswith('textual.'))\n"
        "print(len(list(pkgutil.walk_packages(mhc_core.__path__))), bad)\n"
        "sys.exit(1 if bad else 0)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
