"""Service reports from the reporting store: SLA compliance, first-contact resolution,
avoidable contacts, satisfaction and quality (one grouped scan of ``CaseFact`` per request),
and the backlog by age (``BacklogSnapshot``).

Every read goes through ``analytics_db()``; every report needs ``analytics.view``. The
filters are parsed once here, for the API and the screens alike, and a bad one is a 422 that
names each field.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from django.db.models import Count, F, FloatField, Q, Sum
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext as _

from fregues.accounts.models import User
from fregues.core.errors import Invalid
from fregues.core.permissions import require
from fregues.interactions.models import Channel
from fregues.service.models import CaseType, Queue

from ..db import analytics_db
from ..models import BacklogSnapshot, CaseFact

GROUPS = {
    "none": None,
    "queue": "queue_id",
    "agent": "assignee_id",
    "case_type": "case_type_id",
    "channel": "channel",
}
BACKLOG_GROUPS = ("none", "queue", "case_type")
PERIODS = {"week": "opened_week", "month": "opened_month"}
DEFAULT_DAYS = 90
MAX_DAYS = 3 * 366
BUCKETS = ("age_under_1", "age_1_3", "age_3_7", "age_7_30", "age_30_plus")


@dataclass(frozen=True)
class ServiceFilters:
    """What a service report is asked for: cases opened from ``date_from`` to ``date_to``
    (inclusive), per ``period`` and per ``by``, narrowed to a queue, case type, agent or
    channel."""

    date_from: datetime.date
    date_to: datetime.date
    period: str = "month"
    by: str = "none"
    queue: int | None = None
    case_type: int | None = None
    agent: int | None = None
    channel: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _int(value: Any, field: str, errors: dict[str, list[str]]) -> int | None:
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        errors[field] = [_("Give the id, a whole number.")]
        return None


def _date(value: Any, field: str, errors: dict[str, list[str]]) -> datetime.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value))
    except ValueError:
        errors[field] = [_("Give a date as YYYY-MM-DD.")]
        return None


def service_filters_parse(
    data: Mapping[str, Any], *, groups: tuple[str, ...] | None = None
) -> ServiceFilters:
    """The filters of a service report from query parameters; every problem at once (422)."""
    errors: dict[str, list[str]] = {}
    today = timezone.localdate()
    date_to = _date(data.get("date_to"), "date_to", errors) or today
    date_from = _date(data.get("date_from"), "date_from", errors) or (
        date_to - datetime.timedelta(days=DEFAULT_DAYS - 1)
    )
    if date_from > date_to:
        errors["date_from"] = [_("The start comes after the end.")]
    elif (date_to - date_from).days > MAX_DAYS:
        errors["date_from"] = [_("Ask for at most three years at a time.")]
    period = data.get("period") or "month"
    if period not in PERIODS:
        errors["period"] = [_("Choose one of: %(c)s.") % {"c": ", ".join(PERIODS)}]
    by = data.get("by") or "none"
    allowed = groups or tuple(GROUPS)
    if by not in allowed:
        errors["by"] = [_("Choose one of: %(c)s.") % {"c": ", ".join(allowed)}]
    channel = data.get("channel") or ""
    if channel and channel not in Channel.values:
        errors["channel"] = [_("Unknown channel.")]
    queue = _int(data.get("queue"), "queue", errors)
    case_type = _int(data.get("case_type"), "case_type", errors)
    agent = _int(data.get("agent"), "agent", errors)
    if errors:
        raise Invalid(_("Some filters are not valid."), errors=errors)
    return ServiceFilters(
        date_from=date_from,
        date_to=date_to,
        period=period,
        by=by,
        queue=queue,
        case_type=case_type,
        agent=agent,
        channel=channel,
    )


def pct(part: int | float | None, whole: int | float | None) -> float | None:
    if not whole:
        return None
    return round(100.0 * float(part or 0) / float(whole), 1)


def _labels(by: str, ids: set[Any]) -> dict[Any, str]:
    """Names of the group values (a few dozen queues, agents or case types)."""
    db = analytics_db()
    ids = {i for i in ids if i not in (None, "")}
    if by == "queue":
        return dict(Queue.objects.using(db).filter(pk__in=ids).values_list("pk", "name"))
    if by == "case_type":
        return dict(CaseType.objects.using(db).filter(pk__in=ids).values_list("pk", "name"))
    if by == "agent":
        return {u.pk: u.display_name for u in User.objects.using(db).filter(pk__in=ids)}
    if by == "channel":
        return {value: str(label) for value, label in Channel.choices}
    return {}


def _facts(filters: ServiceFilters) -> Any:
    qs = CaseFact.objects.using(analytics_db()).filter(
        opened_date__gte=filters.date_from, opened_date__lte=filters.date_to
    )
    if filters.queue is not None:
        qs = qs.filter(queue_id=filters.queue)
    if filters.case_type is not None:
        qs = qs.filter(case_type_id=filters.case_type)
    if filters.agent is not None:
        qs = qs.filter(assignee_id=filters.agent)
    if filters.channel:
        qs = qs.filter(channel=filters.channel)
    return qs


MEASURES = {
    "cases": Count("pk"),
    "fr_measured": Count("pk", filter=Q(first_response_met__isnull=False)),
    "fr_met": Count("pk", filter=Q(first_response_met=True)),
    "res_measured": Count("pk", filter=Q(resolution_met__isnull=False)),
    "res_met": Count("pk", filter=Q(resolution_met=True)),
    "resolved": Count("pk", filter=Q(first_contact_resolution__isnull=False)),
    "fcr": Count("pk", filter=Q(first_contact_resolution=True)),
    "n_reopened": Sum("reopened"),
    "inbound": Sum("inbound_contacts"),
    "avoidable": Sum("avoidable_contacts"),
    "av_status_inquiry": Sum("avoidable_status_inquiry"),
    "av_repeat_report": Sum("avoidable_repeat_report"),
    "av_after_tracking": Sum("avoidable_after_tracking"),
    "csat_answers": Count("csat_score"),
    "csat_sum": Sum("csat_score"),
    "q_reviews": Sum("quality_reviews"),
    "quality_sum": Sum(
        Cast(F("quality_score"), FloatField()) * F("quality_reviews"), output_field=FloatField()
    ),
}


def _row(values: dict[str, Any]) -> dict[str, Any]:
    """One row's counts and the rates a reader wants."""
    n = {k: values.get(k) or 0 for k in MEASURES}
    return {
        "cases": n["cases"],
        "first_response_measured": n["fr_measured"],
        "first_response_met": n["fr_met"],
        "first_response_pct": pct(n["fr_met"], n["fr_measured"]),
        "resolution_measured": n["res_measured"],
        "resolution_met": n["res_met"],
        "resolution_pct": pct(n["res_met"], n["res_measured"]),
        "resolved": n["resolved"],
        "first_contact_resolved": n["fcr"],
        "fcr_pct": pct(n["fcr"], n["resolved"]),
        "reopened": n["n_reopened"],
        "inbound_contacts": n["inbound"],
        "avoidable_contacts": n["avoidable"],
        "avoidable_pct": pct(n["avoidable"], n["inbound"]),
        "avoidable_reasons": {
            "status_inquiry": n["av_status_inquiry"],
            "repeat_report": n["av_repeat_report"],
            "after_tracking_visit": n["av_after_tracking"],
        },
        "csat_answers": n["csat_answers"],
        "csat_average": round(n["csat_sum"] / n["csat_answers"], 2) if n["csat_answers"] else None,
        "quality_reviews": n["q_reviews"],
        "quality_average": (
            round(n["quality_sum"] / n["q_reviews"], 1) if n["q_reviews"] else None
        ),
    }


def service_overview(*, actor: Any, filters: ServiceFilters) -> dict[str, Any]:
    """Every service measure per period (and per group when ``filters.by`` asks), with the
    totals of the whole range: two grouped scans of the case facts in the range."""
    require(actor, "analytics.view")
    period_col = PERIODS[filters.period]
    group_col = GROUPS[filters.by]
    qs = _facts(filters)
    values: dict[str, Any] = {"period_start": F(period_col)}
    if group_col:
        values["group_key"] = F(group_col)
    rows = list(qs.values(**values).annotate(**MEASURES).order_by("period_start", *values.keys()))
    labels = _labels(filters.by, {r.get("group_key") for r in rows})
    out = []
    for r in rows:
        key = r.get("group_key")
        out.append(
            {
                "period": r["period_start"],
                "group": key,
                "group_label": labels.get(key, _("none")) if group_col else "",
                **_row(r),
            }
        )
    totals = _row(qs.aggregate(**MEASURES))
    return {"filters": filters.as_dict(), "rows": out, "totals": totals}


def backlog_report(*, actor: Any, filters: ServiceFilters) -> dict[str, Any]:
    """The backlog by age: the latest day's snapshot (now) per group, and the open count of
    each day in the range (over time), from the daily snapshots."""
    require(actor, "analytics.view")
    errors = {
        field: [_("The backlog is kept per queue and case type only.")]
        for field in ("agent", "channel")
        if getattr(filters, field)
    }
    if errors:
        raise Invalid(_("Some filters are not valid."), errors=errors)
    qs = BacklogSnapshot.objects.using(analytics_db())
    if filters.queue is not None:
        qs = qs.filter(queue_id=filters.queue)
    if filters.case_type is not None:
        qs = qs.filter(case_type_id=filters.case_type)
    sums = {"open_count": Sum("open_count"), **{b: Sum(b) for b in BUCKETS}}
    latest = qs.filter(day__lte=filters.date_to).order_by("-day").values_list("day", flat=True)
    day = latest.first()
    group_col = GROUPS[filters.by] if filters.by in BACKLOG_GROUPS else None
    now_rows: list[dict[str, Any]] = []
    if day is not None:
        values: dict[str, Any] = {"group_key": F(group_col)} if group_col else {}
        grouped = qs.filter(day=day).values(**values).annotate(**sums).order_by(*values.keys())
        labels = _labels(filters.by, {r.get("group_key") for r in grouped})
        for raw in grouped:
            r: dict[str, Any] = dict(raw)
            key = r.get("group_key")
            now_rows.append(
                {
                    "group": key,
                    "group_label": labels.get(key, _("none")) if group_col else "",
                    **{k: r[k] or 0 for k in sums},
                }
            )
    series = [
        {"day": r["day"], **{k: dict(r)[k] or 0 for k in sums}}
        for r in qs.filter(day__gte=filters.date_from, day__lte=filters.date_to)
        .values("day")
        .annotate(**sums)
        .order_by("day")
    ]
    return {"filters": filters.as_dict(), "day": day, "now": now_rows, "series": series}
