"""Post times as platforms print them, read relative to the fetch time (New Year included)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from crawler.accounts.dates import CHINA, from_timestamp, parse_post_time

# 2025-01-01 00:30 in Beijing is still 2024-12-31 in UTC: the local calendar decides.
NEW_YEAR = datetime(2024, 12, 31, 16, 30, tzinfo=UTC)


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=CHINA)


@pytest.mark.parametrize(("raw", "expected"), [
    ("刚刚", local(2025, 1, 1, 0, 30)),
    ("5分钟前", local(2025, 1, 1, 0, 25)),
    ("45分钟前", local(2024, 12, 31, 23, 45)),
    ("2小时前", local(2024, 12, 31, 22, 30)),
    ("昨天 23:50", local(2024, 12, 31, 23, 50)),
    ("前天 08:00", local(2024, 12, 30, 8, 0)),
    ("今天 00:10", local(2025, 1, 1, 0, 10)),
    ("12-31", local(2024, 12, 31)),  # year-less and "in the future" for this year: last year
    ("01-01", local(2025, 1, 1)),
    ("06-14", local(2024, 6, 14)),
    ("2023-06-14", local(2023, 6, 14)),
    ("2024-12-30 18:05", local(2024, 12, 30, 18, 5)),
    ("Tue Jul 09 10:13:45 +0800 2019", local(2019, 7, 9, 10, 13, 45)),
    ("Mon, 30 Dec 2024 10:00:00 +0800", local(2024, 12, 30, 10, 0)),
    ("Mon, 30 Dec 2024 02:00:00 GMT", local(2024, 12, 30, 10, 0)),
    ("2024-12-30T02:00:00Z", local(2024, 12, 30, 10, 0)),
    ("1581517074", local(2020, 2, 12, 22, 17, 54)),
])
def test_relative_and_year_less_dates_around_new_year(raw: str, expected: datetime) -> None:
    assert parse_post_time(raw, NEW_YEAR) == expected


def test_year_less_date_just_after_new_year_eve_in_utc() -> None:
    """Fetched 2025-01-01 07:59 Beijing (still 12-31 in UTC): "01-01" is today, not a year ago."""
    fetched = datetime(2024, 12, 31, 23, 59, tzinfo=UTC)
    assert parse_post_time("01-01", fetched) == local(2025, 1, 1)
    assert parse_post_time("12-31 23:00", fetched) == local(2024, 12, 31, 23, 0)


def test_leap_day_without_year_goes_back_to_the_last_leap_year() -> None:
    assert parse_post_time("02-29", datetime(2025, 3, 1, 4, tzinfo=UTC)) == local(2024, 2, 29)


def test_weibo_sample_dates_read_in_june_2019_are_2019() -> None:
    fetched = local(2019, 6, 20, 12)
    assert parse_post_time("06-14", fetched) == local(2019, 6, 14)
    assert parse_post_time("06-01", fetched) == local(2019, 6, 1)


def test_a_date_a_day_ahead_is_tolerated_as_clock_skew() -> None:
    fetched = local(2025, 3, 10, 23, 0)
    assert parse_post_time("03-11", fetched) == local(2025, 3, 11)
    assert parse_post_time("03-13", fetched) == local(2024, 3, 13)


def test_unknown_words_and_naive_fetch_times() -> None:
    assert parse_post_time("置顶", NEW_YEAR) is None
    assert parse_post_time("", NEW_YEAR) is None
    with pytest.raises(ValueError):
        parse_post_time("刚刚", datetime(2025, 1, 1))
    assert from_timestamp(1581517074000) == from_timestamp(1581517074)
    assert parse_post_time("3天前", NEW_YEAR) == local(2025, 1, 1, 0, 30) - timedelta(days=3)
