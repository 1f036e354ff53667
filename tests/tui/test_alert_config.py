"""A rule naming a list that does not exist stops the console as it stops `mhc listen`: exit 2, one line."""

from __future__ import annotations

import asyncio

from mhc_core.config import Settings


async def test_an_alert_rule_naming_no_list_exits_2_with_the_line(make_app, settings: Settings) -> None:
    wrong = settings.model_copy(update={"alerts": [{"when": "enter", "list": "Besties"}]})
    app = make_app(settings=wrong, start_capture=True)
    async with app.run_test(size=(120, 40)):
        for _ in range(200):
            if app.return_code is not None:
                break
            await asyncio.sleep(0.05)
    assert app.return_code == 2
    assert app.config_problem == "MHC_ALERTS: alert list 'Besties' does not exist"


async def test_a_rule_naming_a_list_in_another_case_is_fine(make_app, settings: Settings) -> None:
    right = settings.model_copy(update={"alerts": [{"when": "enter", "list": "friends"}]})
    app = make_app(settings=right, start_capture=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause(1.0)
        assert app.return_code is None and app.config_problem is None
