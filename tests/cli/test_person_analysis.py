"""`mhc person NAME --json` carries the behaviour analysis under "analysis"; the text form is unchanged."""

from __future__ import annotations

from datetime import UTC, datetime

from mhc_core.db.models import Interaction
from mhc_core.services import persons
from tests.cli.helpers import run


def test_person_json_has_the_analysis(db, cli_env, capsys) -> None:
    with db.session() as s:
        person = persons.find_or_create(s, "tipper_9")
        s.add(Interaction(person_id=person.id, type="TIP_EVENT", timestamp=datetime(2025, 11, 3, 20, tzinfo=UTC),
                          source="cb_events", meta={"tokens": 75}))
    code, data, _ = run(capsys, "person", "tipper_9", "--json")
    assert code == 0
    analysis = data["analysis"]
    assert analysis["room_spending"]["total"] == 75 and analysis["room_spending"]["sample_size"] == 1
    assert analysis["statbate_on_me"]["enough_data"] is False
    assert analysis["active_hours"]["hours"][0][20] == 1  # MHC_TIMEZONE unset: UTC, Monday first
