from datetime import date, datetime

from crawler.dates import find_dates, find_labelled, find_script_date, infer_years, parse_date, parse_datetime

TODAY = date(2026, 1, 5)


def test_iso_slash_dot_and_chinese_forms_parse_to_the_same_day():
    for text in ("2020-05-29", "2020/5/29", "2020.05.29", "2020年5月29日", "2020 年 05 月 29 日"):
        assert parse_date(text, today=TODAY) == date(2020, 5, 29), text


def test_time_of_day_is_kept():
    assert parse_datetime("2025-03-21 17:12", today=TODAY) == datetime(2025, 3, 21, 17, 12)
    assert parse_datetime("2023-08-16 10:33:59", today=TODAY) == datetime(2023, 8, 16, 10, 33, 59)


def test_full_width_digits_and_ideographic_spaces():
    assert parse_datetime("２０２５年３月１７日\u3000\u300010：30", today=TODAY) == datetime(
        2025, 3, 17, 10, 30
    )


def test_month_day_dates_never_in_future():
    assert parse_date("12-30", today=TODAY) == date(2025, 12, 30)
    assert parse_date("[01-04]", today=TODAY) == date(2026, 1, 4)
    assert parse_date("5月29日", today=TODAY) == date(2025, 5, 29)


def test_impossible_and_far_future_dates_are_rejected():
    assert parse_date("2025-02-30", today=TODAY) is None
    assert parse_date("2025-13-01", today=TODAY) is None
    assert parse_date("2026-01-07", today=TODAY) is None
    assert parse_date("2026-01-06", today=TODAY) == date(2026, 1, 6)  # one day of clock skew is tolerated


def test_compact_date_only_when_labelled():
    assert parse_date("编号 20200529", today=TODAY) is None
    assert parse_date("发布日期：20200529", today=TODAY) == date(2020, 5, 29)


def test_label_finds_the_labelled_date_not_an_earlier_one():
    found = find_labelled("打印 2019-01-01 发布时间：2025-04-01 17:09 来源：区党工委", today=TODAY)
    assert found is not None and found[0] == datetime(2025, 4, 1, 17, 9)


def test_publishtime_assignment_in_script():
    found = find_script_date('var x=1; var publishTime = "2025-10-08 09:15:00";', today=TODAY)
    assert found is not None and found[0] == datetime(2025, 10, 8, 9, 15)


def test_year_inferred_from_neighbours_across_new_year():
    matches = [find_dates(t)[0] for t in ("01-04", "12-30", "2025-12-15", "12-01")]
    assert infer_years(matches, TODAY) == [
        date(2026, 1, 4),
        date(2025, 12, 30),
        date(2025, 12, 15),
        date(2025, 12, 1),
    ]


def test_partial_date_is_not_read_out_of_a_full_date_or_phone_number():
    assert [(m.year, m.month, m.day) for m in find_dates("2025-10-11 电话 0795-8819792")] == [(2025, 10, 11)]


def test_a_stated_future_publication_date_is_kept_where_the_page_states_its_date():
    """A list row or PubDate saying 2026-03-01 on 2026-01-05 is a forged or mistyped date: a fact for
    content.format, not "no date"; free text and year-less dates never resolve into the future."""
    assert parse_date("2026-03-01", today=TODAY) is None
    assert infer_years(find_dates("2026-03-01 [12-30]"), TODAY) == [date(2026, 3, 1), date(2025, 12, 30)]
    assert infer_years(find_dates("2031-03-01"), TODAY) == [None]  # beyond the horizon: no date at all
