"""Working-day deadlines across the 2026 Spring Festival and National Day weeks."""

import datetime as dt

import pytest

from core.models import WorkdayOverride
from core.workdays import (
    WorkCalendar,
    add_working_days,
    calendar_covers,
    is_workday,
    next_workday_on_or_after,
    working_days_between,
)

D = dt.date


@pytest.mark.django_db
class TestOfficialCalendar2026:
    def test_spring_festival_holiday_is_skipped(self):
        # 2026 春节: 2月15日–23日 off; 2月14日 (Sat) and 2月28日 (Sat) are make-up working days.
        assert not is_workday(D(2026, 2, 17))
        assert is_workday(D(2026, 2, 14))
        assert is_workday(D(2026, 2, 28))
        # Friday 13 Feb + 1 working day = Saturday 14 Feb (make-up day), + 2 = Tuesday 24 Feb.
        assert add_working_days(D(2026, 2, 13), 1) == D(2026, 2, 14)
        assert add_working_days(D(2026, 2, 13), 2) == D(2026, 2, 24)

    def test_national_day_week_is_skipped(self):
        # 2026 国庆中秋: 10月1日–7日 off; 9月20日 (Sun) and 10月10日 (Sat) are make-up days.
        assert not is_workday(D(2026, 10, 1)) and not is_workday(D(2026, 10, 7))
        assert add_working_days(D(2026, 9, 30), 1) == D(2026, 10, 8)
        assert is_workday(D(2026, 10, 10))
        assert working_days_between(D(2026, 9, 30), D(2026, 10, 12)) == 4  # 8, 9, 10(Sat), 12

    def test_plain_weekend(self):
        assert add_working_days(D(2026, 11, 27), 1) == D(2026, 11, 30)  # Friday -> Monday
        assert add_working_days(D(2026, 11, 30), -1) == D(2026, 11, 27)
        assert add_working_days(D(2026, 11, 27), 0) == D(2026, 11, 27)

    def test_between_is_signed_and_matches_add(self):
        start = D(2026, 2, 10)
        for n in (1, 5, 12, 30):
            end = add_working_days(start, n)
            assert working_days_between(start, end) == n
            assert working_days_between(end, start) == -n

    def test_next_workday_on_or_after(self):
        assert next_workday_on_or_after(D(2026, 10, 3)) == D(2026, 10, 8)
        assert next_workday_on_or_after(D(2026, 10, 8)) == D(2026, 10, 8)


@pytest.mark.django_db
def test_admin_override_wins_over_official_calendar():
    WorkdayOverride.objects.create(date=D(2026, 11, 30), is_workday=False, note="地方调休")
    assert add_working_days(D(2026, 11, 27), 1) == D(2026, 12, 1)


@pytest.mark.django_db
def test_year_outside_package_falls_back_to_weekends_and_says_so():
    far = D(2031, 1, 1)  # no official data for 2031: New Year's Day counts as a working Wednesday
    assert not calendar_covers(far)
    assert calendar_covers(D(2026, 6, 1))
    assert is_workday(far)
    assert add_working_days(D(2031, 1, 3), 1) == D(2031, 1, 6)


def test_workdays_after_answers_many_spans_like_counting_day_by_day(db):
    WorkdayOverride.objects.create(date=dt.date(2026, 10, 9), is_workday=False, note="本地调休")
    calendar = WorkCalendar.for_span(dt.date(2024, 1, 1), dt.date(2027, 3, 1))

    def by_hand(start, end):
        return sum(calendar.is_workday(start + dt.timedelta(days=n)) for n in range(1, (end - start).days + 1))

    today = dt.date(2026, 11, 27)
    # Spans in an order that makes the loaded range grow at both ends, as a page of issues does.
    starts = [dt.date(2026, 10, 1), dt.date(2026, 11, 26), dt.date(2024, 2, 9), dt.date(2026, 10, 8), today]
    for start in starts:
        assert calendar.workdays_after(start, today) == by_hand(start, today), start
    assert calendar.workdays_after(today, dt.date(2027, 2, 1)) == by_hand(today, dt.date(2027, 2, 1))
    assert calendar.workdays_after(today, dt.date(2026, 1, 1)) == 0
    assert calendar.workdays_after(dt.date(2026, 10, 8), dt.date(2026, 10, 9)) == 0  # the override


@pytest.mark.django_db
def test_running_counts_follow_the_overrides_of_each_calendar(db):
    """WorkCalendar.running (the city's figures weigh hand-off days with it) equals counting day by
    day, and a calendar with other overrides never gets counts kept for another's."""
    first, last = dt.date(2026, 9, 1), dt.date(2026, 12, 31)
    plain = WorkCalendar.for_span(first, last)
    assert plain.running(first, last) == [plain.workdays_after(first, first + dt.timedelta(days=i)) for i in range(122)]
    WorkdayOverride.objects.create(date=dt.date(2026, 11, 10), is_workday=False, note="本地假日")
    local = WorkCalendar.for_span(first, last)
    counts = local.running(first, last)
    assert (
        counts[(dt.date(2026, 11, 10) - first).days] == plain.running(first, last)[(dt.date(2026, 11, 9) - first).days]
    )
    assert (
        counts[-1] == WorkCalendar.for_span(first, last).running(first, last)[-1] == plain.running(first, last)[-1] - 1
    )
    # A later start inside the span counts from its own day; the loaded calendar answers after it.
    assert local.running(dt.date(2026, 11, 9), dt.date(2026, 11, 11)) == [0, 0, 1]
    assert local.workdays_after(first, last) == counts[-1]
