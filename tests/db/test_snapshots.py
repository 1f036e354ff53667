"""Snapshots and deltas: the change between readings, never inventing a number."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from mhc_core.services import persons, snapshots

scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**9, 10**9),
                    st.floats(allow_nan=False, allow_infinity=False, width=32), st.text(max_size=5))
metrics = st.dictionaries(st.sampled_from(["a", "b", "c", "d"]), scalars, max_size=4)


def _num(v) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


@given(old=metrics, new=metrics)
def test_delta_properties(old, new) -> None:
    d = snapshots.delta(old, new)
    assert set(d) == set(old) | set(new)
    for key, value in d.items():
        if _num(old.get(key)) and _num(new.get(key)):
            assert value == new[key] - old[key]
        else:
            assert value is None


@given(m=metrics)
def test_delta_with_itself_is_zero_for_numbers(m) -> None:
    d = snapshots.delta(m, m)
    assert all(v == 0 for k, v in d.items() if _num(m[k]))


def test_delta_examples() -> None:
    assert snapshots.delta({"tokens": 10, "rank": None, "name": "x"}, {"tokens": 25, "rank": 3, "name": "y",
                                                                     "new": 1}) == {
        "tokens": 15, "rank": None, "name": None, "new": None}
    assert snapshots.delta({"flag": True}, {"flag": False}) == {"flag": None}


def test_latest_reading_and_timeline(db) -> None:
    t0 = datetime(2026, 11, 1, tzinfo=UTC)
    with db.session() as s:
        p = persons.find_or_create(s, "model_1")
        for i, tokens in enumerate([100, 150, 120]):
            snapshots.append(s, p.id, "statbate_model", {"raw": i}, {"income_tokens": tokens, "rank": None},
                             captured_at=t0 + timedelta(days=i))
        snapshots.append(s, p.id, "statbate_member", {}, {"all_time_tokens": 5}, captured_at=t0)
    with db.session() as s:
        reading = snapshots.latest_reading(s, p.id, "statbate_model")
        assert reading.snapshot.normalized_metrics["income_tokens"] == 120
        assert reading.delta == {"income_tokens": -30, "rank": None}
        first_only = snapshots.latest_reading(s, p.id, "statbate_member")
        assert first_only.delta is None
        line = snapshots.timeline(s, p.id, "statbate_model")
        assert [r.delta and r.delta["income_tokens"] for r in line] == [None, 50, -30]
        assert [r.delta["income_tokens"] for r in snapshots.timeline(s, p.id, "statbate_model", limit=2)] == [50, -30]
        assert snapshots.reading_since(s, p.id, "statbate_model", t0 + timedelta(hours=1)) == {
            "income_tokens": 20, "rank": None}
        assert set(snapshots.latest_readings(s, p.id)) == {"statbate_model", "statbate_member"}
