"""Alert rules and tiers from config.toml: what a broadcaster writes is read as he meant, or refused in one line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from mhc_core.alerts.rules import DEFAULT_RULES, AlertRule, parse_rules, unknown_lists
from mhc_core.config import ConfigError, load_settings
from mhc_core.radar.tiers import Tiers, at_least, parse_radar


def config_toml(text: str) -> Path:
    path = Path(os.environ["XDG_CONFIG_HOME"]) / "mhc-control-panel" / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_no_rules_written_gives_the_defaults() -> None:
    assert load_settings().alert_rules == DEFAULT_RULES
    assert {rule.when for rule in DEFAULT_RULES} == {"tip", "enter", "first_tip", "return", "private_message"}


def test_rules_are_read_from_config_toml_with_stable_names() -> None:
    config_toml("""
[[alerts]]
when = "tip"
min_tokens = 500
cooldown_minutes = 10
bell = true

[[alerts]]
when = "enter"
list = "Friends"

[[alerts]]
when = "enter"
tier = "whale"

[[alerts]]
when = "return"
away_days = 45
name = "long lost"
""")
    rules = load_settings().alert_rules
    assert rules == (
        AlertRule("tip", "tip>=500", min_tokens=500, cooldown_minutes=10, bell=True),
        AlertRule("enter", "enter:list=Friends", list="Friends"),
        AlertRule("enter", "enter:tier=whale", tier="whale"),
        AlertRule("return", "long lost", away_days=45),
    )
    assert [rule.needs_statbate for rule in rules] == [False, False, True, False]


@pytest.mark.parametrize("table, said", [
    ('when = "tipp"', "alert 1: unknown when 'tipp' (one of tip, enter, first_tip, return, private_message)"),
    ('min_tokens = 5', "alert 1: unknown when missing"),
    ('when = "tip"\nmin_tokens = 5\nlist = "Friends"', "alert 1: unknown key 'list' for when = \"tip\""),
    ('when = "tip"', 'alert 1: min_tokens is required for when = "tip"'),
    ('when = "tip"\nmin_tokens = -1', "alert 1: min_tokens must be a whole number from 1"),
    ('when = "enter"\ntier = "shark"', "alert 1: tier must be one of whale, big, regular"),
    ('when = "enter"\ncooldown_minutes = "ten"', "alert 1: cooldown_minutes must be a whole number"),
    ('when = "private_message"\nbell = "yes"', "alert 1: bell must be true or false"),
])
def test_a_bad_rule_exits_2_with_one_line_naming_it(table: str, said: str) -> None:
    path = config_toml(f"[[alerts]]\n{table}\n")
    with pytest.raises(ConfigError) as caught:
        load_settings()
    message = str(caught.value)
    assert message.startswith(f"MHC_ALERTS (alerts in {path}): ")
    assert said in message and "\n" not in message


def test_two_rules_with_one_name_are_refused() -> None:
    with pytest.raises(ValueError, match="alert 2: a second rule named 'tip>=5'"):
        parse_rules([{"when": "tip", "min_tokens": 5}, {"when": "tip", "min_tokens": 5, "bell": True}])


def test_lists_are_matched_in_any_case() -> None:
    rules = parse_rules([{"when": "enter", "list": "friends"}, {"when": "enter", "list": "Besties"}])
    assert unknown_lists(rules, ["Friends", "Excluded"]) == ["Besties"]


def test_the_mhc_command_exits_2_on_a_bad_rule(cli_env: dict[str, str]) -> None:
    config_toml('[[alerts]]\nwhen = "enter"\nmood = "happy"\n')
    done = subprocess.run([sys.executable, "-m", "mhc", "sessions"], env={**os.environ, **cli_env}, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "alert 1: unknown key 'mood'" in done.stderr


def test_tiers_default_and_take_the_larger_figure() -> None:
    tiers = load_settings().tiers
    assert tiers == Tiers(100_000, 10_000, 1_000)
    assert tiers.of(None, None) is None
    assert tiers.of(999, 0) is None
    assert tiers.of(1_000, None) == "regular"
    assert tiers.of(5_000, 20_000) == "big"  # his room knows more of him than Statbate does
    assert tiers.of(250_000, 10) == "whale"
    assert at_least("whale", "big") and not at_least("regular", "big") and not at_least(None, "regular")


def test_tiers_are_read_from_radar_tiers() -> None:
    config_toml("[radar.tiers]\nwhale = 50000\nregular = 100\n")
    assert load_settings().tiers == Tiers(50_000, 10_000, 100)


@pytest.mark.parametrize("raw, said", [
    ({"tiers": {"shark": 5}}, "unknown tier 'shark'"),
    ({"tiers": {"whale": "lots"}}, "tiers.whale must be a whole number"),
    ({"colours": {}}, "unknown key 'colours'"),
])
def test_bad_tiers_are_refused(raw: dict, said: str) -> None:
    with pytest.raises(ValueError, match=said):
        parse_radar(raw)


def test_a_bad_tier_in_config_toml_is_a_config_error() -> None:
    config_toml("[radar.tiers]\nwhale = -5\n")
    with pytest.raises(ConfigError, match=r"^MHC_RADAR \(radar in .*\): tiers.whale must be a whole number"):
        load_settings()
