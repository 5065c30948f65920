"""When a customer accepts messages that are not urgent: a daily window of local time
(``settings.TIME_ZONE``) on some weekdays (ISO numbers, 1 = Monday … 7 = Sunday).

The customer sets it (portal, or staff on their behalf); every sender asks the sending check
(``fregues.service.services.sending``), which uses ``next_contact_time`` to hold a message
until the window opens. A window whose end is before its start crosses midnight (20:00–08:00).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from fregues.core.errors import ErrorCollector

ALL_DAYS = (1, 2, 3, 4, 5, 6, 7)


def weekdays_of(value: str) -> tuple[int, ...]:
    """The stored "1,2,3,4,5" as numbers (empty = every day)."""
    return tuple(int(d) for d in (value or "").split(",") if d.strip().isdigit())


def _time(value: Any, field: str, errors: ErrorCollector) -> datetime.time | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime.time):
        return value.replace(second=0, microsecond=0)
    try:
        return datetime.time.fromisoformat(str(value).strip()).replace(second=0, microsecond=0)
    except ValueError:
        errors.add(field, _("Use the time format HH:MM."))
        return None


def clean_contact_hours(data: dict[str, Any], errors: ErrorCollector, current: Any) -> dict:
    """The contact-hours fields present in ``data``, validated; field errors to ``errors``."""
    out: dict[str, Any] = {}
    for name in ("contact_hours_start", "contact_hours_end"):
        if name in data:
            out[name] = _time(data[name], name, errors)
    if "contact_weekdays" in data:
        raw = data["contact_weekdays"]
        items = raw.split(",") if isinstance(raw, str) else list(raw or [])
        days: set[int] = set()
        for item in items:
            text = str(item).strip()
            if not text:
                continue
            if not text.isdigit() or int(text) not in ALL_DAYS:
                errors.add("contact_weekdays", _("Days are numbers from 1 (Monday) to 7 (Sunday)."))
                break
            days.add(int(text))
        out["contact_weekdays"] = "" if days == set(ALL_DAYS) else ",".join(map(str, sorted(days)))
    start = out.get("contact_hours_start", getattr(current, "contact_hours_start", None))
    end = out.get("contact_hours_end", getattr(current, "contact_hours_end", None))
    if {"contact_hours_start", "contact_hours_end"} & set(out) and (start is None) != (end is None):
        errors.add("contact_hours_end", _("Give both the start and the end of the hours."))
    elif start is not None and start == end:
        errors.add("contact_hours_end", _("The end must differ from the start."))
    return out


def _inside(
    local: datetime.datetime,
    start: datetime.time | None,
    end: datetime.time | None,
    days: tuple[int, ...],
) -> bool:
    clock = local.time()
    if start is None or end is None:
        return not days or local.isoweekday() in days
    if start < end:
        return (not days or local.isoweekday() in days) and start <= clock < end
    # crosses midnight: the part after midnight belongs to the day the window opened
    if clock >= start:
        return not days or local.isoweekday() in days
    if clock < end:
        opened = local - datetime.timedelta(days=1)
        return not days or opened.isoweekday() in days
    return False


def next_contact_time(
    *,
    start: datetime.time | None,
    end: datetime.time | None,
    weekdays: str,
    now: datetime.datetime | None = None,
) -> datetime.datetime | None:
    """None when ``now`` is within the customer's hours (or they set none), else the moment
    the next window opens (aware)."""
    days = weekdays_of(weekdays)
    if start is None and end is None and not days:
        return None
    now = now or timezone.now()
    local = timezone.localtime(now)
    if _inside(local, start, end, days):
        return None
    opens = start or datetime.time(0, 0)
    for offset in range(0, 8):
        day = local.date() + datetime.timedelta(days=offset)
        if days and day.isoweekday() not in days:
            continue
        candidate = timezone.make_aware(
            datetime.datetime.combine(day, opens), timezone.get_current_timezone()
        )
        if candidate > now:
            return candidate
    return None


def describe_contact_hours(
    start: datetime.time | None, end: datetime.time | None, weekdays: str
) -> str:
    """ "Mon, Tue, Wed · 09:00–18:00" for people; empty when the customer set none."""
    names = {
        1: _("Mon"), 2: _("Tue"), 3: _("Wed"), 4: _("Thu"), 5: _("Fri"), 6: _("Sat"), 7: _("Sun"),
    }  # fmt: skip
    parts = []
    days = weekdays_of(weekdays)
    if days:
        parts.append(", ".join(str(names[d]) for d in days))
    if start is not None and end is not None:
        parts.append(f"{start:%H:%M}–{end:%H:%M}")
    return " · ".join(parts)
