"""The views and the vocabularies are plain data: importing them loads no database layer."""

from __future__ import annotations

import subprocess
import sys


def test_views_and_kinds_import_no_database_layer() -> None:
    code = (
        "import sys, mhc_core.data.views, mhc_core.kinds\n"
        "bad = sorted(n for n in sys.modules if n.split('.')[0] in ('sqlalchemy', 'psycopg', 'httpx')\n"
        "             or n.startswith(('mhc_core.db', 'mhc_core.services')))\n"
        "print(bad)\n"
        "sys.exit(1 if bad else 0)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
