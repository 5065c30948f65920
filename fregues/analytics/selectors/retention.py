"""Retention reports from the reporting store: the cohort triangle (``CohortCell``), the
lifecycle funnel and time in stage (``LifecycleSpell``). Every read goes through
``analytics_db()`` and needs ``analytics.view``."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any

from django.db.models import Avg, Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from fregues.core.errors import Invalid
from fregues.core.permissions import require
from fregues.parties.models import LifecycleStage

from ..db import analytics_connection, analytics_db, is_postgres
from ..models import CohortCell, LifecycleSpell

FUNNEL = [
    LifecycleStage.SUSPECT,
    LifecycleStage.PROSPECT,
    LifecycleStage.BUYER,
    LifecycleStage.CLIENT,
    LifecycleStage.ADVOCATE,
]
DEFAULT_COHORTS = 12
MAX_COHORTS = 60


def _month(value: Any, field: str, errors: dict[str, list[str]]) -> datetime.date | None:
    if value in (None, ""):
        return None
    try:
        year, month = str(value)[:7].split("-")
        return datetime.date(int(year), int(month), 1)
    except ValueError:
        errors[field] = [_("Give a month as YYYY-MM.")]
        return None


def months_between(start: datetime.date, end: datetime.date) -> int:
    return (end.year - start.year) * 12 + end.month - start.month


def add_months(start: datetime.date, months: int) -> datetime.date:
    index = start.year * 12 + start.month - 1 + months
    return datetime.date(index // 12, index % 12 + 1, 1)


def cohort_filters_parse(data: Mapping[str, Any]) -> tuple[datetime.date, datetime.date]:
    """The first and last cohort months asked for (default: the last twelve), or a 422."""
    errors: dict[str, list[str]] = {}
    this_month = timezone.localdate().replace(day=1)
    last = _month(data.get("month_to"), "month_to", errors) or this_month
    first = _month(data.get("month_from"), "month_from", errors) or add_months(
        last, -(DEFAULT_COHORTS - 1)
    )
    if first > last:
        errors["month_from"] = [_("The start comes after the end.")]
    elif months_between(first, last) >= MAX_COHORTS:
        errors["month_from"] = [_("Ask for at most five years of cohorts.")]
    if errors:
        raise Invalid(_("Some filters are not valid."), errors=errors)
    return first, last


def cohort_retention(
    *, actor: Any, month_from: datetime.date, month_to: datetime.date
) -> dict[str, Any]:
    """The retention triangle: per cohort (the month of the customers' first order) its size
    and, for each following month, how many of them ordered again and what share that is."""
    require(actor, "analytics.view")
    cells = (
        CohortCell.objects.using(analytics_db())
        .filter(cohort_month__gte=month_from, cohort_month__lte=month_to)
        .order_by("cohort_month", "month")
        .values_list("cohort_month", "month", "customers")
    )
    cohorts: dict[datetime.date, dict[int, int]] = {}
    for cohort, month, customers in cells:
        cohorts.setdefault(cohort, {})[months_between(cohort, month)] = customers
    width = max((max(offsets) for offsets in cohorts.values()), default=0) + 1
    rows = []
    for cohort, offsets in sorted(cohorts.items()):
        size = offsets.get(0, 0)
        span = months_between(cohort, month_to if month_to > cohort else cohort)
        reach = max(span, max(offsets)) + 1
        rows.append(
            {
                "cohort": cohort,
                "customers": size,
                "months": [
                    {
                        "offset": k,
                        "customers": offsets.get(k, 0),
                        "pct": round(100.0 * offsets.get(k, 0) / size, 1) if size else None,
                    }
                    for k in range(min(reach, width))
                ],
            }
        )
    return {"month_from": month_from, "month_to": month_to, "offsets": width, "cohorts": rows}


def funnel_filters_parse(data: Mapping[str, Any]) -> tuple[datetime.date, datetime.date]:
    errors: dict[str, list[str]] = {}
    dates: dict[str, datetime.date | None] = {}
    for field in ("date_from", "date_to"):
        value = data.get(field)
        if value in (None, ""):
            dates[field] = None
            continue
        try:
            dates[field] = datetime.date.fromisoformat(str(value))
        except ValueError:
            errors[field] = [_("Give a date as YYYY-MM-DD.")]
    date_to = dates.get("date_to") or timezone.localdate()
    date_from = dates.get("date_from") or date_to - datetime.timedelta(days=364)
    if not errors and date_from > date_to:
        errors["date_from"] = [_("The start comes after the end.")]
    if errors:
        raise Invalid(_("Some filters are not valid."), errors=errors)
    return date_from, date_to


def _day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _medians(spells: Any) -> dict[str, float]:
    """Median days in stage per stage: percentile_cont on PostgreSQL; on SQLite the middle
    row(s) of each stage's ordered days."""
    sql, params = spells.values("stage", "days").query.get_compiler(using=analytics_db()).as_sql()
    connection = analytics_connection()
    with connection.cursor() as cursor:
        if is_postgres():
            cursor.execute(
                "SELECT s.stage, percentile_cont(0.5) WITHIN GROUP (ORDER BY s.days) "
                f"FROM ({sql}) s GROUP BY s.stage",
                params,
            )
            return {stage: float(m) for stage, m in cursor.fetchall() if m is not None}
        out = {}
        for stage in FUNNEL:
            cursor.execute(
                f"SELECT s.days FROM ({sql}) s WHERE s.stage = %s ORDER BY s.days",
                [*params, stage.value],
            )
            days = [row[0] for row in cursor.fetchall()]
            if days:
                mid = len(days) // 2
                out[stage.value] = days[mid] if len(days) % 2 else (days[mid - 1] + days[mid]) / 2.0
        return out


def lifecycle_funnel(
    *, actor: Any, date_from: datetime.date, date_to: datetime.date
) -> dict[str, Any]:
    """Per funnel stage, for entries in the range: how many parties entered it, how many of
    them moved on to a later stage of the funnel (conversion), the step conversion to the next
    stage's entries, and the median and average days they stayed before leaving."""
    require(actor, "analytics.view")
    spells = LifecycleSpell.objects.using(analytics_db()).filter(
        stage__in=[s.value for s in FUNNEL],
        entered_at__gte=_day_start(date_from),
        entered_at__lt=_day_start(date_to + datetime.timedelta(days=1)),
    )
    onward = Q()
    for i, stage in enumerate(FUNNEL):
        onward |= Q(stage=stage.value, next_stage__in=[s.value for s in FUNNEL[i + 1 :]])
    counts: dict[str, dict[str, Any]] = {
        r["stage"]: dict(r)
        for r in spells.values("stage")
        .annotate(
            entered=Count("party_id", distinct=True),
            moved_on=Count("party_id", distinct=True, filter=onward),
            average=Avg("days", filter=Q(left_at__isnull=False)),
        )
        .order_by("stage")
    }
    medians = _medians(spells.filter(left_at__isnull=False))
    stages = []
    for i, stage in enumerate(FUNNEL):
        row: dict[str, Any] = counts.get(stage.value, {})
        entered = row.get("entered", 0)
        nxt = counts.get(FUNNEL[i + 1].value, {}).get("entered", 0) if i + 1 < len(FUNNEL) else None
        stages.append(
            {
                "stage": stage.value,
                "label": str(stage.label),
                "entered": entered,
                "moved_on": row.get("moved_on", 0),
                "conversion_pct": (
                    round(100.0 * row.get("moved_on", 0) / entered, 1) if entered else None
                ),
                "next_stage_entered": nxt,
                "step_pct": round(100.0 * nxt / entered, 1)
                if entered and nxt is not None
                else None,
                "median_days": (round(medians[stage.value], 1) if stage.value in medians else None),
                "average_days": (
                    round(row["average"], 1) if row.get("average") is not None else None
                ),
            }
        )
    return {"date_from": date_from, "date_to": date_to, "stages": stages}
