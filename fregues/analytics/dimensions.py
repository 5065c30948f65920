"""The dimensions every report and the pivot share: age band, region, month.

A dimension's value is computed once, at refresh, and stored on the fact rows; reports group
by the stored value, never by a computation over a million rows.
"""

from __future__ import annotations

import datetime

from django.utils.translation import gettext_lazy as _

UNKNOWN = ""

# (code, lowest age, highest age or None); codes sort in age order
AGE_BANDS: list[tuple[str, int, int | None]] = [
    ("0-17", 0, 17),
    ("18-24", 18, 24),
    ("25-34", 25, 34),
    ("35-44", 35, 44),
    ("45-54", 45, 54),
    ("55-64", 55, 64),
    ("65+", 65, None),
]

AGE_BAND_LABELS = {code: code for code, _lo, _hi in AGE_BANDS} | {UNKNOWN: _("unknown")}


def age_on(birth_date: datetime.date | None, today: datetime.date) -> int | None:
    if birth_date is None or birth_date > today:
        return None
    years = today.year - birth_date.year
    if (today.month, today.day) < (birth_date.month, birth_date.day):
        years -= 1
    return years


def age_band(birth_date: datetime.date | None, today: datetime.date) -> str:
    """The age band code of someone born on ``birth_date`` (``""`` when unknown)."""
    age = age_on(birth_date, today)
    if age is None:
        return UNKNOWN
    for code, low, high in AGE_BANDS:
        if age >= low and (high is None or age <= high):
            return code
    return UNKNOWN


def month_start(moment: datetime.datetime | datetime.date) -> datetime.date:
    """The first day of the month of ``moment`` (the month dimension's value)."""
    return datetime.date(moment.year, moment.month, 1)
