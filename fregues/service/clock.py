"""The SLA clock: business time on a working-hour calendar, minus holidays.

An SLA target is a promise in business minutes ("a first answer within 4 working hours"), so a
deadline is not ``opened + 4h`` but the instant at which 240 minutes of *working* time have
passed. Measurable and controllable standards need that arithmetic to be exact and the same
everywhere, hence one pure module: it never writes, and reads the database only once, in
:meth:`WorkingTime.for_calendar`, for a calendar's local holidays.

Conventions every caller relies on:

* Every datetime returned is aware and in UTC, whatever the zone of the input (Django stores
  UTC; screens format in the user's zone). Naive datetimes raise ValueError.
* Business time is real elapsed time inside working intervals. Interval bounds are wall times
  in the calendar's zone: a wall time skipped by a DST jump maps to the jump itself, a repeated
  one to its first occurrence, so an interval spanning a change is an hour shorter or longer,
  as the people working it live it. "24:00" closes a day at the next midnight.
* Holidays are the *public* ones of the ``holidays`` library for ``country`` (plus state or
  regional ones when ``subdivision`` is set) and the calendar's extra dates. For BR the library
  lists Carnival, Ash Wednesday and Corpus Christi only as optional ("ponto facultativo"), so
  they are working days here: a business closed on them adds CalendarHoliday rows. 20 November
  (Consciência Negra) is national since 2024 (Lei 14.759/2023), and the library has it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import holidays

if TYPE_CHECKING:
    from fregues.service.models.sla import BusinessCalendar

Interval = tuple[datetime, datetime]
Hours = Mapping[Any, Sequence[Sequence[str]]]

DAY = timedelta(days=1)
MINUTE = timedelta(minutes=1)
MAX_CLOSED_DAYS = 3 * 366  # closed this long is a configuration error, not a wait
CACHE_DAYS = 5000  # working intervals remembered per calendar, before starting afresh


def _utc(moment: datetime, name: str) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got {moment!r}")
    return moment.astimezone(UTC)


def _minute_of_day(text: str) -> int:
    hours, _, minutes = text.partition(":")
    value = int(hours) * 60 + int(minutes)
    if not (0 <= int(minutes) < 60 and 0 <= value <= 24 * 60):
        raise ValueError(f"not a time of day: {text!r}")
    return value


def _parse_hours(hours: Hours) -> dict[int, tuple[tuple[int, int], ...]]:
    """``{"0": [["08:00", "12:00"], ...]}`` → ``{0: ((480, 720), ...)}``, validated: a
    malformed calendar must fail when it is loaded, not when a deadline is computed."""
    week: dict[int, tuple[tuple[int, int], ...]] = {}
    for key, spans in hours.items():
        weekday = int(key)
        if not 0 <= weekday <= 6:
            raise ValueError(f"weekday must be 0 (Monday) to 6, got {key!r}")
        parsed = sorted((_minute_of_day(start), _minute_of_day(end)) for start, end in spans)
        previous_end = 0
        for start, end in parsed:
            if start >= end or start < previous_end:
                raise ValueError(f"empty or overlapping intervals on weekday {weekday}: {spans}")
            previous_end = end
        if parsed:
            week[weekday] = tuple(parsed)
    if not week:
        raise ValueError("a calendar needs working hours on at least one weekday")
    return week


class WorkingTime:
    """Business-time arithmetic for one calendar; cheap to query, safe to keep around.

    Working intervals are computed once per date and cached, and holidays are loaded lazily
    per year by the ``holidays`` library (which fills a year on its first lookup and keeps it),
    so long spans cost a few operations per calendar day, never per minute.
    """

    def __init__(
        self,
        tz: str,
        hours: Hours,
        country: str = "",
        subdivision: str = "",
        extra_holidays: Mapping[date, str] | None = None,
    ) -> None:
        self.zone = ZoneInfo(tz)
        self.week = _parse_hours(hours)
        self.extra_holidays = dict(extra_holidays or {})
        self._public = (
            holidays.country_holidays(country, subdiv=subdivision or None) if country else None
        )
        self._days: dict[date, tuple[Interval, ...]] = {}

    @classmethod
    def for_calendar(cls, calendar: BusinessCalendar) -> WorkingTime:
        """The clock of a saved calendar; its CalendarHoliday rows are read here, once."""
        extra = {holiday.date: holiday.name for holiday in calendar.holidays.all()}
        return cls(
            calendar.timezone,
            calendar.working_hours,
            calendar.country,
            calendar.subdivision,
            extra,
        )

    def is_holiday(self, day: date) -> bool:
        return day in self.extra_holidays or (self._public is not None and day in self._public)

    # --- the calendar as UTC intervals -----------------------------------------------------

    def _instant(self, day: date, minute: int) -> datetime:
        """The first instant at which the wall clock reads ``minute`` past midnight of ``day``.

        A wall time happens once, twice (clocks set back: the first) or never (clocks jumped
        over it: the jump, when the clock first reads a later time).
        """
        wall = datetime.combine(day, time()) + timedelta(minutes=minute)
        later = wall.replace(tzinfo=self.zone).astimezone(UTC)
        if later.astimezone(self.zone).replace(tzinfo=None) == wall:
            return later
        # In a gap, fold=0 reads the wall time with the offset before the jump (an instant
        # after it) and fold=1 with the offset after it (an instant before it): bisect seconds.
        low = int(wall.replace(tzinfo=self.zone, fold=1).timestamp())
        high = int(later.timestamp())
        while high - low > 1:
            middle = (low + high) // 2
            if datetime.fromtimestamp(middle, self.zone).replace(tzinfo=None) >= wall:
                high = middle
            else:
                low = middle
        return datetime.fromtimestamp(high, UTC)

    def _day(self, day: date) -> tuple[Interval, ...]:
        cached = self._days.get(day)
        if cached is None:
            spans = () if self.is_holiday(day) else self.week.get(day.weekday(), ())
            bounds = ((self._instant(day, start), self._instant(day, end)) for start, end in spans)
            cached = tuple((start, end) for start, end in bounds if start < end)
            if len(self._days) >= CACHE_DAYS:
                self._days.clear()
            self._days[day] = cached
        return cached

    def _intervals(self, moment: datetime) -> Iterator[Interval]:
        """The working intervals ending after ``moment`` (UTC), in order, without end."""
        # Start a day early: where clocks go back at midnight, the previous date comes again.
        day = moment.astimezone(self.zone).date() - DAY
        closed = 0
        while True:
            spans = self._day(day)
            for start, end in spans:
                if end > moment:
                    yield start, end
            closed = 0 if spans else closed + 1
            if closed > MAX_CLOSED_DAYS:
                raise ValueError(f"the calendar is closed for {closed} days after {day}")
            day += DAY

    # --- the public API ----------------------------------------------------------------------

    def is_working(self, moment: datetime) -> bool:
        """Whether the clock runs at ``moment`` (interval starts are inside, ends outside)."""
        moment = _utc(moment, "moment")
        start, _ = next(self._intervals(moment))
        return start <= moment

    def next_opening(self, moment: datetime) -> datetime:
        """The first instant at or after ``moment`` when the clock runs: ``moment`` itself
        when it is working time, else the start of the next working interval."""
        moment = _utc(moment, "moment")
        start, _ = next(self._intervals(moment))
        return max(start, moment)

    def add(self, start: datetime, minutes: int) -> datetime:
        """The instant, in UTC, when ``minutes`` business minutes have passed since ``start``.

        Outside working hours the clock starts at the next opening, so ``add(s, 0)`` is
        ``next_opening(s)``. A span that uses up an interval exactly ends at that interval's
        end (Friday 17:00 + 60 min is Friday 18:00, not Monday's opening).
        """
        if minutes < 0:
            raise ValueError(f"minutes must not be negative, got {minutes}")
        return self._advance(_utc(start, "start"), minutes * MINUTE)

    def _advance(self, start: datetime, amount: timedelta) -> datetime:
        for opens, closes in self._intervals(start):
            opens = max(opens, start)
            if amount <= closes - opens:
                return opens + amount
            amount -= closes - opens
        raise AssertionError("unreachable: _intervals never ends")

    def elapsed(self, start: datetime, end: datetime) -> timedelta:
        """Exact business time in [start, end); zero when ``end <= start``."""
        start, end = _utc(start, "start"), _utc(end, "end")
        total = timedelta(0)
        if end <= start:
            return total
        for opens, closes in self._intervals(start):
            if opens >= end:
                break
            total += min(closes, end) - max(opens, start)
        return total

    def minutes_between(self, start: datetime, end: datetime) -> int:
        """Whole business minutes in [start, end) (seconds are truncated); 0 if end <= start."""
        return self.elapsed(start, end) // MINUTE

    def shift_due(self, due: datetime, paused_at: datetime, resumed_at: datetime) -> datetime:
        """The due date after a pause (waiting on the customer), in UTC.

        The business time that was left at ``paused_at`` is counted again from
        ``resumed_at``; business time that would have passed during the pause is not charged
        to the team. If the target was already due or breached when paused, nothing was left:
        the due date is kept, so a breach is never forgiven by pausing. A pause never brings
        the due date earlier (a hand-set due outside working hours stays where it was).
        """
        due = _utc(due, "due")
        paused_at, resumed_at = _utc(paused_at, "paused_at"), _utc(resumed_at, "resumed_at")
        remaining = self.elapsed(paused_at, due)
        if resumed_at <= paused_at or not remaining:
            return due
        return max(due, self._advance(resumed_at, remaining))
