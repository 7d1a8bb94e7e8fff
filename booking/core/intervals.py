"""Half-open time intervals ``[start, end)`` and a lab's weekly opening hours."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True, order=True)
class Interval:
    start: datetime
    end: datetime

    def overlaps(self, other: Interval) -> bool:
        return self.start < other.end and other.start < self.end

    def overlap_seconds(self, other: Interval) -> float:
        return max(0.0, (min(self.end, other.end) - max(self.start, other.start)).total_seconds())


def merge(intervals: Iterable[Interval]) -> list[Interval]:
    """Sorted, with overlapping or touching intervals joined."""
    merged: list[Interval] = []
    for item in sorted(intervals):
        if merged and item.start <= merged[-1].end:
            merged[-1] = Interval(merged[-1].start, max(merged[-1].end, item.end))
        else:
            merged.append(item)
    return merged


def subtract(window: Interval, busy: Iterable[Interval]) -> list[Interval]:
    """The parts of ``window`` not covered by ``busy``."""
    free, cursor = [], window.start
    for item in merge(busy):
        if item.end <= cursor or item.start >= window.end:
            continue
        if item.start > cursor:
            free.append(Interval(cursor, item.start))
        cursor = max(cursor, item.end)
    if cursor < window.end:
        free.append(Interval(cursor, window.end))
    return free


def covers(intervals: Iterable[Interval], wanted: Interval) -> bool:
    return any(i.start <= wanted.start and wanted.end <= i.end for i in merge(intervals))


def parse_clock(text: str) -> tuple[int, int]:
    """``"08:30"`` → (8, 30); ``"24:00"`` is the end of the day."""
    hours, minutes = text.split(":")
    if len(hours) != 2 or len(minutes) != 2:
        raise ValueError(f"{text!r} is not HH:MM")
    h, m = int(hours), int(minutes)
    if not (0 <= h <= 24 and 0 <= m < 60) or (h == 24 and m):
        raise ValueError(f"{text!r} is not a time of day")
    return h, m


def validate_opening_hours(hours: dict) -> None:
    """Raise ValueError unless it maps weekday names to lists of ``["HH:MM", "HH:MM"]``."""
    for day, ranges in hours.items():
        if day not in WEEKDAYS:
            raise ValueError(f"unknown weekday {day!r}; use {', '.join(WEEKDAYS)}")
        if not isinstance(ranges, list):
            raise ValueError(f"{day}: expected a list of [open, close] pairs")
        for pair in ranges:
            if not (isinstance(pair, list) and len(pair) == 2 and all(isinstance(p, str) for p in pair)):
                raise ValueError(f"{day}: each range is [\"HH:MM\", \"HH:MM\"]")
            if parse_clock(pair[0]) >= parse_clock(pair[1]):
                raise ValueError(f"{day}: {pair[0]} is not before {pair[1]}")


def _local(day: date, clock: str, tz: ZoneInfo) -> datetime:
    h, m = parse_clock(clock)
    return datetime.combine(day, time(0), tz) + timedelta(hours=h, minutes=m)


def opening_intervals(hours: dict | None, tz_name: str, window: Interval) -> list[Interval]:
    """The open periods inside ``window`` (UTC); no opening hours means always open."""
    if not hours:
        return [window]
    tz = ZoneInfo(tz_name)
    first = window.start.astimezone(tz).date() - timedelta(days=1)
    last = window.end.astimezone(tz).date()
    result, day = [], first
    while day <= last:
        for opens, closes in hours.get(WEEKDAYS[day.weekday()], []):
            period = Interval(_local(day, opens, tz).astimezone(UTC), _local(day, closes, tz).astimezone(UTC))
            if period.overlaps(window):
                result.append(Interval(max(period.start, window.start), min(period.end, window.end)))
        day += timedelta(days=1)
    return merge(result)
