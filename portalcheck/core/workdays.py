"""China's working days on the State Council calendar (chinesecalendar): holidays off, make-up Saturdays on.

One calendar for every rule that counts working days: message.overdue's reply limits and the 整改 deadlines of a
notice. Beyond the years chinesecalendar knows (its release for a year comes out when the State Council publishes
the holidays, usually in November), Monday to Friday.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import cache

import chinese_calendar


@cache  # a board's messages span a few hundred days; the calendar's own lookup costs ~50 µs a call
def is_workday(day: date) -> bool:
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:  # the calendar of a year not yet published
        return day.weekday() < 5


def working_days(start: date, end: date) -> int:
    """Working days after `start` up to and including `end` (the day itself is not counted)."""
    return sum(1 for n in range(1, (end - start).days + 1) if is_workday(start + timedelta(days=n)))


def nth_working_day(start: date, n: int) -> date:
    """The n-th working day after `start`: the last day in time for a limit of n working days."""
    day, counted = start, 0
    while counted < n:
        day += timedelta(days=1)
        counted += is_workday(day)
    return day
