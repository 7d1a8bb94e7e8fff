"""Half-open intervals and opening hours: pure functions, table-driven."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from booking.core.geo import distance_km
from booking.core.intervals import Interval, covers, merge, opening_intervals, subtract, validate_opening_hours


def t(hour: float) -> datetime:
    return datetime(2026, 12, 7, tzinfo=UTC) + timedelta(hours=hour)


def iv(a: float, b: float) -> Interval:
    return Interval(t(a), t(b))


@pytest.mark.parametrize("items, expected", [
    ([], []),
    ([iv(1, 2), iv(2, 3)], [iv(1, 3)]),           # touching intervals join
    ([iv(3, 4), iv(1, 2)], [iv(1, 2), iv(3, 4)]),
    ([iv(1, 5), iv(2, 3)], [iv(1, 5)]),
])
def test_merge(items, expected):
    assert merge(items) == expected


@pytest.mark.parametrize("busy, expected", [
    ([], [iv(0, 10)]),
    ([iv(2, 3)], [iv(0, 2), iv(3, 10)]),
    ([iv(-5, 1), iv(9, 20)], [iv(1, 9)]),
    ([iv(0, 10)], []),
])
def test_subtract(busy, expected):
    assert subtract(iv(0, 10), busy) == expected


@pytest.mark.parametrize("a, b, overlaps", [((1, 2), (2, 3), False), ((1, 3), (2, 4), True), ((1, 4), (2, 3), True)])
def test_half_open_overlap(a, b, overlaps):
    assert iv(*a).overlaps(iv(*b)) is overlaps


def test_opening_hours_in_lab_time_zone():
    # Monday 2026-12-07, 08:00–12:00 in Shanghai is 00:00–04:00 UTC.
    hours = {"mon": [["08:00", "12:00"]], "tue": [["00:00", "24:00"]]}
    assert opening_intervals(hours, "Asia/Shanghai", iv(-8, 40)) == [iv(0, 4), iv(16, 40)]
    assert covers(opening_intervals(hours, "Asia/Shanghai", iv(1, 3)), iv(1, 3))
    assert not covers(opening_intervals(hours, "Asia/Shanghai", iv(3, 5)), iv(3, 5))
    assert opening_intervals(None, "Asia/Shanghai", iv(0, 5)) == [iv(0, 5)]


@pytest.mark.parametrize("hours", [{"mon": [["08:00"]]}, {"mon": [["25:00", "26:00"]]}, {"xyz": []},
                                   {"mon": [["24:00", "24:00"]]}, {"mon": [[8, 9]]}])
def test_invalid_opening_hours(hours):
    with pytest.raises(ValueError):
        validate_opening_hours(hours)


def test_distance_shenyang_dalian():
    assert distance_km(41.8057, 123.4315, 38.9140, 121.6147) == pytest.approx(357, abs=5)
    assert distance_km(41.8, 123.4, 41.8, 123.4) == 0
