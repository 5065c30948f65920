"""The SLA clock across weekends, lunch breaks, holidays, DST changes and pauses.

Expected instants are written in the calendar's local time and compared in UTC, which is what
the clock returns. All tests but the last run without a database.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fregues.service.clock import WorkingTime

SAO_PAULO = ZoneInfo("America/Sao_Paulo")
LISBON = ZoneInfo("Europe/Lisbon")

# The two calendars seeded by migration 0002, as plain values.
BR_HOURS = {str(d): [["08:00", "12:00"], ["13:00", "18:00"]] for d in range(5)}
PT_HOURS = {str(d): [["09:00", "12:30"], ["14:00", "17:30"]] for d in range(5)}
ALWAYS = {str(d): [["00:00", "24:00"]] for d in range(7)}


def br(extra_holidays: dict[date, str] | None = None) -> WorkingTime:
    return WorkingTime("America/Sao_Paulo", BR_HOURS, "BR", extra_holidays=extra_holidays)


def pt() -> WorkingTime:
    return WorkingTime("Europe/Lisbon", PT_HOURS, "PT")


def sp(*args: int) -> datetime:
    return datetime(*args, tzinfo=SAO_PAULO)  # type: ignore[misc]


def lx(*args: int) -> datetime:
    return datetime(*args, tzinfo=LISBON)  # type: ignore[misc]


# --- weekends, lunch, the shape of results ----------------------------------------------------


def test_friday_afternoon_rolls_over_the_weekend() -> None:
    # Friday 17:00-18:00 is 60 minutes; the other 60 are Monday 08:00-09:00.
    assert br().add(sp(2026, 3, 6, 17, 0), 120) == sp(2026, 3, 9, 9, 0)


def test_results_are_utc_whatever_the_input_zone() -> None:
    result = br().add(sp(2026, 3, 6, 17, 0).astimezone(LISBON), 120)
    assert result.tzinfo is UTC
    assert result == datetime(2026, 3, 9, 12, 0, tzinfo=UTC)


def test_lunch_break_is_skipped() -> None:
    clock = br()
    assert clock.add(sp(2026, 3, 9, 11, 30), 60) == sp(2026, 3, 9, 13, 30)
    assert clock.minutes_between(sp(2026, 3, 9, 11, 0), sp(2026, 3, 9, 14, 0)) == 120
    assert not clock.is_working(sp(2026, 3, 9, 12, 30))
    assert clock.next_opening(sp(2026, 3, 9, 12, 30)) == sp(2026, 3, 9, 13, 0)


def test_exhausting_an_interval_ends_at_its_close() -> None:
    clock = br()
    assert clock.add(sp(2026, 3, 6, 17, 0), 60) == sp(2026, 3, 6, 18, 0)
    assert clock.add(sp(2026, 3, 9, 8, 0), 240) == sp(2026, 3, 9, 12, 0)
    assert not clock.is_working(sp(2026, 3, 6, 18, 0))  # the end is outside
    assert clock.is_working(sp(2026, 3, 9, 8, 0))  # the start is inside


def test_start_outside_hours_waits_for_the_next_opening() -> None:
    clock = br()
    saturday = sp(2026, 3, 7, 10, 0)
    assert clock.add(saturday, 30) == sp(2026, 3, 9, 8, 30)
    assert clock.add(saturday, 0) == clock.next_opening(saturday) == sp(2026, 3, 9, 8, 0)
    assert clock.add(sp(2026, 3, 9, 10, 0), 0) == sp(2026, 3, 9, 10, 0)
    assert clock.next_opening(sp(2026, 3, 9, 10, 0)) == sp(2026, 3, 9, 10, 0)
    assert clock.add(sp(2026, 3, 9, 6, 59), 1) == sp(2026, 3, 9, 8, 1)  # before opening
    assert clock.add(sp(2026, 3, 8, 23, 59), 1) == sp(2026, 3, 9, 8, 1)  # around midnight


def test_minutes_between_is_half_open_and_never_negative() -> None:
    clock = br()
    assert clock.minutes_between(sp(2026, 3, 6, 17, 0), sp(2026, 3, 9, 9, 0)) == 120
    assert clock.minutes_between(sp(2026, 3, 9, 9, 0), sp(2026, 3, 6, 17, 0)) == 0
    assert clock.minutes_between(sp(2026, 3, 7, 0, 0), sp(2026, 3, 9, 0, 0)) == 0
    assert clock.minutes_between(sp(2026, 3, 9, 8, 0, 30), sp(2026, 3, 9, 8, 2)) == 1
    assert clock.elapsed(sp(2026, 3, 9, 8, 0, 30), sp(2026, 3, 9, 8, 2)) == timedelta(seconds=90)


def test_long_spans_count_whole_days() -> None:
    clock = br()
    # 30 business days of 9 hours from Monday 2 March 2026: six working weeks less Good
    # Friday (3 April) is 29 days, so the 30th is Monday 13 April, ending at its close.
    due = clock.add(sp(2026, 3, 2, 8, 0), 30 * 9 * 60)
    assert due == sp(2026, 4, 13, 18, 0)
    assert clock.minutes_between(sp(2026, 3, 2, 8, 0), due) == 30 * 9 * 60
    # A whole year: 2026 has 261 weekdays, 9 of them BR national holidays.
    year = clock.minutes_between(sp(2026, 1, 1, 0, 0), sp(2027, 1, 1, 0, 0))
    assert year == (261 - 9) * 9 * 60


# --- holidays ------------------------------------------------------------------------------


def test_tiradentes_is_skipped() -> None:
    clock = br()  # 21 April 2026 is a Tuesday
    assert clock.add(sp(2026, 4, 20, 17, 0), 120) == sp(2026, 4, 22, 9, 0)
    assert clock.is_holiday(date(2026, 4, 21))
    assert not clock.is_working(sp(2026, 4, 21, 10, 0))


def test_consciencia_negra_is_national_since_2024() -> None:
    clock = br()  # 20 November 2026 is a Friday
    assert clock.add(sp(2026, 11, 19, 17, 0), 120) == sp(2026, 11, 23, 9, 0)
    assert not clock.is_holiday(date(2023, 11, 20))  # before the law, a working Monday


def test_carnival_is_optional_so_it_is_working_time_unless_added() -> None:
    friday = sp(2026, 2, 13, 17, 0)  # Carnival is Monday 16 and Tuesday 17 February 2026
    assert br().add(friday, 120) == sp(2026, 2, 16, 9, 0)
    closed = br(extra_holidays={date(2026, 2, 16): "Carnaval", date(2026, 2, 17): "Carnaval"})
    assert closed.add(friday, 120) == sp(2026, 2, 18, 9, 0)


def test_subdivision_adds_state_holidays() -> None:
    thursday = sp(2026, 7, 9, 10, 0)  # Revolução Constitucionalista, São Paulo only
    assert br().is_working(thursday)
    state = WorkingTime("America/Sao_Paulo", BR_HOURS, "BR", "SP")
    assert not state.is_working(thursday)


def test_portugal_day_and_corpus_christi() -> None:
    clock = pt()
    # Tuesday 9 June 17:00-17:30, Wednesday 10 June is Dia de Portugal, so Thursday 09:30.
    assert clock.add(lx(2026, 6, 9, 17, 0), 60) == lx(2026, 6, 11, 9, 30)
    # Corpus Christi (Thursday 4 June) is a public holiday in Portugal.
    assert clock.minutes_between(lx(2026, 6, 3, 0, 0), lx(2026, 6, 6, 0, 0)) == 2 * 7 * 60


def test_calendar_without_country_has_only_extra_holidays() -> None:
    clock = WorkingTime("UTC", BR_HOURS, extra_holidays={date(2026, 4, 21): "Local"})
    assert clock.is_working(datetime(2026, 4, 3, 10, tzinfo=UTC))  # no Good Friday
    assert not clock.is_working(datetime(2026, 4, 21, 10, tzinfo=UTC))


# --- daylight saving time ----------------------------------------------------------------


def test_lisbon_weekend_across_spring_forward() -> None:
    # Clocks go 01:00 → 02:00 on Sunday 29 March 2026: Friday is UTC+0, Monday UTC+1.
    due = pt().add(lx(2026, 3, 27, 17, 0), 60)
    assert due == lx(2026, 3, 30, 9, 30)
    assert due == datetime(2026, 3, 30, 8, 30, tzinfo=UTC)


def test_lisbon_weekend_across_fall_back() -> None:
    # Clocks go 02:00 → 01:00 on Sunday 25 October 2026.
    due = pt().add(lx(2026, 10, 23, 17, 0), 60)
    assert due == datetime(2026, 10, 26, 9, 30, tzinfo=UTC)


def test_round_the_clock_days_last_23_and_25_hours() -> None:
    clock = WorkingTime("Europe/Lisbon", ALWAYS, "")
    assert clock.minutes_between(lx(2026, 3, 29, 0, 0), lx(2026, 3, 30, 0, 0)) == 23 * 60
    assert clock.minutes_between(lx(2026, 10, 25, 0, 0), lx(2026, 10, 26, 0, 0)) == 25 * 60
    assert clock.add(lx(2026, 3, 29, 0, 0), 120) == lx(2026, 3, 29, 3, 0)


def test_intervals_bounded_by_missing_or_repeated_wall_times() -> None:
    hours = {"6": [["00:30", "01:30"], ["01:45", "03:00"]]}
    clock = WorkingTime("Europe/Lisbon", hours, "")
    # Spring: 00:30-01:30 runs until the jump at 01:00 (30 min); 01:45 does not exist, so the
    # second interval starts at the jump (02:00 WEST) and lasts to 03:00: 60 min.
    day = (lx(2026, 3, 29, 0, 0), lx(2026, 3, 30, 0, 0))
    assert clock.minutes_between(*day) == 90
    assert clock.next_opening(lx(2026, 3, 29, 0, 0)) == datetime(2026, 3, 29, 0, 30, tzinfo=UTC)
    assert clock.add(lx(2026, 3, 29, 0, 0), 90) == datetime(2026, 3, 29, 2, 0, tzinfo=UTC)
    # Autumn: 01:30 happens twice; the first one ends the interval (60 min), and the second
    # interval runs from the first 01:45 to 03:00 through the repeated hour (135 min).
    day = (lx(2026, 10, 25, 0, 0), lx(2026, 10, 26, 0, 0))
    assert clock.minutes_between(*day) == 195


def test_sao_paulo_midnight_dst_of_2018_2019() -> None:
    # São Paulo had DST until 2019, changing at midnight: 4 Nov 2018 began at 01:00, and on
    # 16 Feb 2019 23:00-24:00 happened twice.
    clock = WorkingTime("America/Sao_Paulo", ALWAYS, "")
    assert clock.minutes_between(sp(2018, 11, 3, 12), sp(2018, 11, 4, 12)) == 23 * 60
    assert clock.minutes_between(sp(2019, 2, 16, 12), sp(2019, 2, 17, 12)) == 25 * 60
    assert clock.minutes_between(sp(2018, 11, 3, 23), sp(2018, 11, 4, 2)) == 2 * 60
    assert clock.add(sp(2019, 2, 16, 23, 0), 120) == datetime(2019, 2, 17, 3, 0, tzinfo=UTC)


# --- pauses (waiting on the customer) ---------------------------------------------------


def test_pause_moves_the_due_by_the_business_time_it_lasted() -> None:
    clock = br()
    due = sp(2026, 3, 10, 12, 0)  # Tuesday noon
    # Paused Monday 10:00 with 11 business hours left (10-12, 13-18, Tue 8-12); resumed
    # Tuesday 10:00: those 11 hours are counted from there, to Wednesday noon.
    new_due = clock.shift_due(due, sp(2026, 3, 9, 10, 0), sp(2026, 3, 10, 10, 0))
    assert new_due == sp(2026, 3, 11, 12, 0)
    assert clock.minutes_between(sp(2026, 3, 10, 10), new_due) == 11 * 60


def test_pause_outside_working_hours_changes_nothing() -> None:
    clock = br()
    due = sp(2026, 3, 9, 10, 0)
    assert clock.shift_due(due, sp(2026, 3, 7, 9, 0), sp(2026, 3, 8, 20, 0)) == due
    after_lunch = sp(2026, 3, 9, 15, 0)
    assert (
        clock.shift_due(after_lunch, sp(2026, 3, 9, 12, 5), sp(2026, 3, 9, 12, 55)) == after_lunch
    )


def test_pause_after_the_breach_keeps_the_breach() -> None:
    clock = br()
    due = sp(2026, 3, 9, 10, 0)
    assert clock.shift_due(due, sp(2026, 3, 9, 11, 0), sp(2026, 3, 12, 9, 0)) == due
    assert clock.shift_due(due, due, sp(2026, 3, 12, 9, 0)) == due


def test_pause_never_brings_a_hand_set_due_earlier() -> None:
    clock = br()
    due = sp(2026, 3, 9, 20, 0)  # outside hours: its business time runs out at 18:00
    # Paused and resumed during the weekend: the 9 hours left, counted from Sunday, end at
    # Monday 18:00, which would be earlier than the due date. It stays.
    assert clock.shift_due(due, sp(2026, 3, 7, 10, 0), sp(2026, 3, 8, 10, 0)) == due


def test_resuming_before_pausing_is_no_pause() -> None:
    due = sp(2026, 3, 10, 12, 0)
    assert br().shift_due(due, sp(2026, 3, 9, 10), sp(2026, 3, 9, 9)) == due


# --- invalid input -----------------------------------------------------------------------


def test_naive_datetimes_are_rejected() -> None:
    clock = br()
    naive = datetime(2026, 3, 9, 10, 0)
    with pytest.raises(ValueError, match="timezone-aware"):
        clock.add(naive, 10)
    with pytest.raises(ValueError):
        clock.minutes_between(sp(2026, 3, 9, 10), naive)
    with pytest.raises(ValueError):
        clock.is_working(naive)
    with pytest.raises(ValueError):
        clock.next_opening(naive)
    with pytest.raises(ValueError):
        clock.shift_due(sp(2026, 3, 9, 10), naive, sp(2026, 3, 9, 11))


@pytest.mark.parametrize(
    "hours",
    [
        {},
        {"0": []},
        {"7": [["08:00", "09:00"]]},
        {"0": [["09:00", "08:00"]]},
        {"0": [["08:00", "12:00"], ["11:00", "13:00"]]},
        {"0": [["08:00", "24:30"]]},
        {"0": [["08:60", "09:00"]]},
    ],
)
def test_malformed_hours_fail_when_loaded(hours: dict) -> None:
    with pytest.raises(ValueError):
        WorkingTime("UTC", hours)


def test_negative_minutes_and_endless_closure_are_errors() -> None:
    with pytest.raises(ValueError, match="negative"):
        br().add(sp(2026, 3, 9, 10), -1)
    mondays = {date(2026, 1, 5) + timedelta(weeks=n): "closed" for n in range(200)}
    clock = WorkingTime("UTC", {"0": [["08:00", "09:00"]]}, extra_holidays=mondays)
    with pytest.raises(ValueError, match="closed"):
        clock.add(datetime(2026, 1, 1, tzinfo=UTC), 1)


# --- properties --------------------------------------------------------------------------

CALENDARS = {
    "br": br(),
    "pt": pt(),
    "always-lisbon": WorkingTime("Europe/Lisbon", ALWAYS, "PT"),
    "odd-sao-paulo": WorkingTime(
        "America/Sao_Paulo",
        {
            "0": [["00:00", "02:00"], ["08:00", "12:00"], ["12:00", "18:00"]],
            "2": [["07:15", "07:20"]],
            "5": [["20:00", "24:00"]],
            "6": [["00:00", "01:30"], ["10:00", "11:00"]],
        },
        "BR",
        "SP",
        {date(2019, 2, 18): "extra", date(2026, 3, 9): "extra"},
    ),
}
calendars = st.sampled_from(sorted(CALENDARS)).map(CALENDARS.__getitem__)
instants = st.datetimes(datetime(2018, 1, 1), datetime(2030, 12, 31)).map(
    lambda moment: moment.replace(tzinfo=UTC)
)
minute_instants = instants.map(lambda moment: moment.replace(second=0, microsecond=0))
minutes = st.integers(0, 20000)
PROPERTY = settings(deadline=None, max_examples=150)


@PROPERTY
@given(calendars, instants, minutes)
def test_add_then_measure_gives_back_the_minutes(
    clock: WorkingTime, moment: datetime, m: int
) -> None:
    start = clock.next_opening(moment)
    assert clock.is_working(start)
    assert clock.minutes_between(start, clock.add(start, m)) == m
    assert clock.elapsed(moment, clock.add(moment, m)) == timedelta(minutes=m)


@PROPERTY
@given(calendars, instants, minutes, minutes)
def test_add_is_monotonic(clock: WorkingTime, start: datetime, m1: int, m2: int) -> None:
    low, high = sorted((m1, m2))
    assert clock.add(start, low) <= clock.add(start, high)
    if low < high:
        assert clock.add(start, low) < clock.add(start, high)


@PROPERTY
@given(calendars, st.lists(instants, min_size=3, max_size=3))
def test_elapsed_is_additive(clock: WorkingTime, moments: list[datetime]) -> None:
    a, b, c = sorted(moments)
    assert clock.elapsed(a, c) == clock.elapsed(a, b) + clock.elapsed(b, c)


@PROPERTY
@given(calendars, st.lists(minute_instants, min_size=3, max_size=3))
def test_minutes_between_is_additive_on_whole_minutes(
    clock: WorkingTime, moments: list[datetime]
) -> None:
    a, b, c = sorted(moments)
    between = clock.minutes_between
    assert between(a, c) == between(a, b) + between(b, c)


@PROPERTY
@given(calendars, instants, st.integers(1, 20000))
def test_add_lands_in_working_time_or_at_a_close(
    clock: WorkingTime, start: datetime, m: int
) -> None:
    due = clock.add(start, m)
    just_before = due - timedelta(microseconds=1)
    assert clock.is_working(due) or clock.is_working(just_before)
    assert clock.is_working(just_before)  # the last counted instant was working time


offsets = st.timedeltas(timedelta(days=-40), timedelta(days=40))


@PROPERTY
@given(calendars, instants, offsets, offsets)
def test_shift_due_never_earlier_and_charges_no_pause(
    clock: WorkingTime, due: datetime, pause_offset: timedelta, pause_length: timedelta
) -> None:
    paused = due + pause_offset
    resumed = paused + abs(pause_length)
    new_due = clock.shift_due(due, paused, resumed)
    assert new_due >= due
    left = clock.elapsed(paused, due)
    if left:
        assert clock.elapsed(resumed, new_due) == left or new_due == due


# --- with the database ------------------------------------------------------------------


@pytest.mark.django_db
def test_for_calendar_reads_the_seeded_calendar_and_its_holidays_once(
    django_assert_num_queries: object,
) -> None:
    from fregues.service.models.sla import BusinessCalendar, CalendarHoliday

    calendar = BusinessCalendar.objects.get(country="BR")
    CalendarHoliday.objects.create(calendar=calendar, date=date(2026, 1, 20), name="São Sebastião")
    with django_assert_num_queries(1):  # type: ignore[operator]
        clock = WorkingTime.for_calendar(calendar)
    with django_assert_num_queries(0):  # type: ignore[operator]
        # Monday 19 January 17:00: 60 minutes that day, Tuesday is the municipal holiday.
        assert clock.add(sp(2026, 1, 19, 17, 0), 120) == sp(2026, 1, 21, 9, 0)
        assert clock.add(sp(2026, 3, 6, 17, 0), 120) == sp(2026, 3, 9, 9, 0)
        assert not clock.is_working(sp(2026, 4, 21, 10, 0))
