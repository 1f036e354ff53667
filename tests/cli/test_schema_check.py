"""A command on an up-to-date database checks the schema with one query and never loads Alembic."""

from __future__ import annotations

import json
import subprocess
import sys

from mhc_core.db import Database
from tests.cli.helpers import subprocess_env

PROBE = """
import json, sys
from mhc.main import main
code = main(["sessions", "--json"])
print(json.dumps({"code": code, "alembic": "alembic" in sys.modules}), file=sys.stderr)
"""


def test_a_read_on_a_current_schema_does_not_load_alembic(db: Database, cli_env: dict[str, str]) -> None:
    done = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=60,
                          env=subprocess_env(cli_env), check=False)
    outcome = json.loads(done.stderr.strip().splitlines()[-1])
    assert outcome == {"code": 0, "alembic": False}
    assert json.loads(done.stdout) == []
