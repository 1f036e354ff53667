"""`mhc --help` and a usage error answer without loading the heavy libraries: they are imported on use."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = ("sqlalchemy", "pydantic", "pydantic_settings", "httpx", "alembic")

PROBE = """
import json, sys
from mhc.main import main
code = main(sys.argv[1:])
print(json.dumps({"code": code, "modules": sorted({m.split('.')[0] for m in sys.modules})}))
"""


def _run(*argv: str) -> dict[str, object]:
    done = subprocess.run([sys.executable, "-c", PROBE, *argv], capture_output=True, text=True, timeout=60,
                          check=False)
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("argv", [["--help"], ["person", "--help"], ["sessions", "--limit", "0"], ["nonsense"]])
def test_help_and_usage_errors_load_no_heavy_library(argv: list[str]) -> None:
    outcome = _run(*argv)
    loaded = outcome["modules"]
    assert isinstance(loaded, list)
    assert [name for name in HEAVY if name in loaded] == []
    assert outcome["code"] == (0 if "--help" in argv else 2)
