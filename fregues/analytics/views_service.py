"""Screens of the service and retention reports under /analytics/service/...,
/analytics/retention/cohorts/ and /analytics/lifecycle/funnel/: a filter form, an SVG chart
and the table of the same figures. The views parse the filters and call the selectors, which
check the permission and read the reporting store."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from fregues.accounts.models import User
from fregues.core.errors import Invalid
from fregues.core.permissions import require
from fregues.core.views import service_http_errors
from fregues.interactions.models import Channel
from fregues.service.models import CaseType, Queue

from .db import analytics_db
from .reports import ReportPage, report_register
from .selectors.retention import (
    cohort_filters_parse,
    cohort_retention,
    funnel_filters_parse,
    lifecycle_funnel,
)
from .selectors.service import (
    BACKLOG_GROUPS,
    BUCKETS,
    GROUPS,
    backlog_report,
    service_filters_parse,
    service_overview,
)

SERVICE = _("Service")
RETENTION = _("Retention")

# report code → (title, what it shows, the measure charted, its unit, the table's columns)
SERVICE_REPORTS: dict[str, dict[str, Any]] = {
    "sla": {
        "title": _("SLA compliance"),
        "description": _("First response and resolution on time, by queue, agent or case type."),
        "chart": "resolution_pct",
        "chart_title": _("Resolution on time (%)"),
        "unit": "%",
        "top": 100.0,
        "columns": [
            ("cases", _("Cases")),
            ("first_response_measured", _("First responses measured")),
            ("first_response_pct", _("First response on time (%)")),
            ("resolution_measured", _("Resolutions measured")),
            ("resolution_pct", _("Resolution on time (%)")),
        ],
    },
    "fcr": {
        "title": _("First-contact resolution"),
        "description": _(
            "Resolved cases solved at the first contact: never reopened, never reported "
            "again, at most one inbound contact."
        ),
        "chart": "fcr_pct",
        "chart_title": _("First-contact resolution (%)"),
        "unit": "%",
        "top": 100.0,
        "columns": [
            ("resolved", _("Resolved")),
            ("first_contact_resolved", _("At the first contact")),
            ("fcr_pct", _("Rate (%)")),
            ("reopened", _("Reopenings")),
        ],
    },
    "avoidable": {
        "title": _("Avoidable contacts"),
        "description": _(
            "Inbound contacts a proactive notice would have spared, per 100 inbound "
            "contacts about the cases, and why."
        ),
        "chart": "avoidable_pct",
        "chart_title": _("Avoidable contacts per 100 inbound contacts"),
        "unit": "%",
        "top": 100.0,
        "columns": [
            ("inbound_contacts", _("Inbound contacts")),
            ("avoidable_contacts", _("Avoidable")),
            ("avoidable_pct", _("Rate (%)")),
            ("reason_status_inquiry", _("Status inquiries")),
            ("reason_repeat_report", _("Reported again")),
            ("reason_after_tracking_visit", _("After the tracking page")),
        ],
    },
    "satisfaction": {
        "title": _("Satisfaction and quality"),
        "description": _(
            "Average CSAT (1–5) and quality review score per agent, queue or case type."
        ),
        "chart": "csat_average",
        "chart_title": _("Average CSAT (1–5)"),
        "unit": "",
        "top": 5.0,
        "columns": [
            ("cases", _("Cases")),
            ("csat_answers", _("Survey answers")),
            ("csat_average", _("Average CSAT")),
            ("quality_reviews", _("Quality reviews")),
            ("quality_average", _("Average quality (%)")),
        ],
    },
}
GROUP_LABELS = {
    "none": _("Nothing (totals)"),
    "queue": _("Queue"),
    "agent": _("Agent"),
    "case_type": _("Case type"),
    "channel": _("Channel"),
}
BUCKET_LABELS = {
    "age_under_1": _("Under 1 day"),
    "age_1_3": _("1–2 days"),
    "age_3_7": _("3–6 days"),
    "age_7_30": _("7–29 days"),
    "age_30_plus": _("30 days or more"),
}


def _choices(by_options: tuple[str, ...]) -> dict[str, Any]:
    """What the filter form offers (a few dozen rows, read where the reports read)."""
    db = analytics_db()
    return {
        "queues": list(Queue.objects.using(db).order_by("name").values_list("pk", "name")),
        "case_types": list(CaseType.objects.using(db).order_by("name").values_list("pk", "name")),
        "agents": [
            (u.pk, u.display_name)
            for u in User.objects.using(db)
            .filter(is_active=True, role="agent")
            .order_by("username")
        ],
        "channels": Channel.choices,
        "groups": [(code, GROUP_LABELS[code]) for code in by_options],
    }


def _range_fields(
    request: HttpRequest, kind: str, spec: list[tuple[str, Any, Any]], errors: dict[str, Any]
) -> list[dict[str, Any]]:
    """The two fields of a period form (``kind``: month or date): what was asked, or the
    period the report used, with each field's errors."""
    fmt = "Y-m" if kind == "month" else "Y-m-d"
    return [
        {
            "name": name,
            "label": label,
            "type": kind,
            "value": date_format(used, fmt) if used else request.GET.get(name, ""),
            "errors": errors.get(name),
        }
        for name, label, used in spec
    ]


def _flatten(row: dict[str, Any]) -> dict[str, Any]:
    reasons = row.get("avoidable_reasons") or {}
    return {**row, **{f"reason_{k}": v for k, v in reasons.items()}}


@login_required
@require_GET
@service_http_errors
def service_report(request: HttpRequest, report: str) -> HttpResponse:
    """One of the service reports over the case facts: chart of its main measure per period
    (and group), and the table."""
    require(request.user, "analytics.view")
    spec = SERVICE_REPORTS[report]
    context: dict[str, Any] = {
        "report": report,
        "spec": spec,
        "values": request.GET,
        **_choices(tuple(GROUPS)),
    }
    try:
        filters = service_filters_parse(request.GET)
    except Invalid as exc:
        context["errors"] = exc.errors
        return render(request, "analytics/service/report.html", context, status=422)
    data = service_overview(actor=request.user, filters=filters)
    columns = spec["columns"]
    rows = []
    points = []
    for row in data["rows"]:
        period = date_format(row["period"], "SHORT_DATE_FORMAT")
        flat = _flatten(row)
        label = f"{period} · {row['group_label']}" if filters.by != "none" else period
        rows.append(
            {
                "period": period,
                "group": row["group_label"],
                "cells": [(label, flat[k]) for k, label in columns],
            }
        )
        points.append((label, flat[spec["chart"]]))
    totals = _flatten(data["totals"])
    context.update(
        filters=filters,
        rows=rows,
        points=points,
        totals=[(label, totals[k]) for k, label in columns],
    )
    return render(request, "analytics/service/report.html", context)


@login_required
@require_GET
@service_http_errors
def backlog(request: HttpRequest) -> HttpResponse:
    """Open cases by age now (per queue or case type) and each day's open count."""
    require(request.user, "analytics.view")
    context: dict[str, Any] = {
        "values": request.GET,
        "buckets": [BUCKET_LABELS[b] for b in BUCKETS],
        **_choices(BACKLOG_GROUPS),
    }
    try:
        filters = service_filters_parse(request.GET, groups=BACKLOG_GROUPS)
        data = backlog_report(actor=request.user, filters=filters)
    except Invalid as exc:
        context["errors"] = exc.errors
        return render(request, "analytics/service/backlog.html", context, status=422)
    context.update(
        filters=filters,
        data=data,
        now_rows=[
            {
                "label": r["group_label"],
                "open": r["open_count"],
                "cells": [(BUCKET_LABELS[b], r[b]) for b in BUCKETS],
            }
            for r in data["now"]
        ],
        points=[
            (date_format(d["day"], "SHORT_DATE_FORMAT"), d["open_count"]) for d in data["series"]
        ],
    )
    return render(request, "analytics/service/backlog.html", context)


@login_required
@require_GET
@service_http_errors
def cohorts(request: HttpRequest) -> HttpResponse:
    """The retention triangle, shaded by share, with month-1 retention charted per cohort."""
    require(request.user, "analytics.view")
    labels = [("month_from", _("First cohort")), ("month_to", _("Last cohort"))]
    try:
        month_from, month_to = cohort_filters_parse(request.GET)
    except Invalid as exc:
        fields = _range_fields(request, "month", [(n, lb, None) for n, lb in labels], exc.errors)
        context: dict[str, Any] = {"errors": exc.errors, "range_fields": fields}
        return render(request, "analytics/retention/cohorts.html", context, status=422)
    data = cohort_retention(actor=request.user, month_from=month_from, month_to=month_to)
    points = []
    for cohort in data["cohorts"]:
        for m in cohort["months"]:  # the cell's shade: up to 45 % opacity at 100 %
            m["alpha"] = f"{(m['pct'] or 0) * 0.0045:.3f}"
        second = cohort["months"][1]["pct"] if len(cohort["months"]) > 1 else None
        points.append((date_format(cohort["cohort"], "YEAR_MONTH_FORMAT"), second))
    context = {
        "data": data,
        "offsets": list(range(data["offsets"])),
        "points": points,
        "range_fields": _range_fields(
            request,
            "month",
            [(n, lb, v) for (n, lb), v in zip(labels, (month_from, month_to), strict=True)],
            {},
        ),
    }
    return render(request, "analytics/retention/cohorts.html", context)


@login_required
@require_GET
@service_http_errors
def funnel(request: HttpRequest) -> HttpResponse:
    """The lifecycle funnel and the time spent in each stage."""
    require(request.user, "analytics.view")
    labels = [("date_from", _("Entered from")), ("date_to", _("to"))]
    try:
        date_from, date_to = funnel_filters_parse(request.GET)
    except Invalid as exc:
        fields = _range_fields(request, "date", [(n, lb, None) for n, lb in labels], exc.errors)
        context: dict[str, Any] = {"errors": exc.errors, "range_fields": fields}
        return render(request, "analytics/retention/funnel.html", context, status=422)
    data = lifecycle_funnel(actor=request.user, date_from=date_from, date_to=date_to)
    context = {
        "data": data,
        "points": [(s["label"], s["entered"]) for s in data["stages"]],
        "range_fields": _range_fields(
            request,
            "date",
            [(n, lb, v) for (n, lb), v in zip(labels, (date_from, date_to), strict=True)],
            {},
        ),
    }
    return render(request, "analytics/retention/funnel.html", context)


def _service_view(report: str) -> Callable[[HttpRequest], HttpResponse]:
    def view(request: HttpRequest) -> HttpResponse:
        return service_report(request, report)

    view.__name__ = f"service_{report}"
    return view


urlpatterns: list[URLPattern] = [
    path("service/sla/", _service_view("sla"), name="service_sla"),
    path("service/first-contact-resolution/", _service_view("fcr"), name="service_fcr"),
    path("service/avoidable-contacts/", _service_view("avoidable"), name="service_avoidable"),
    path("service/satisfaction/", _service_view("satisfaction"), name="service_satisfaction"),
    path("service/backlog/", backlog, name="service_backlog"),
    path("retention/cohorts/", cohorts, name="retention_cohorts"),
    path("lifecycle/funnel/", funnel, name="lifecycle_funnel"),
]

PAGES: list[tuple[str, Any, Any, Any, int]] = [
    (f"service_{code}", spec["title"], spec["description"], SERVICE, 400 + n)
    for n, (code, spec) in enumerate(SERVICE_REPORTS.items())
] + [
    (
        "service_backlog",
        _("Backlog by age"),
        _("Open cases by age, now and day by day, per queue and case type."),
        SERVICE,
        410,
    ),
    (
        "retention_cohorts",
        _("Cohort retention"),
        _("Customers by the month of their first order, and who ordered again."),
        RETENTION,
        450,
    ),
    (
        "lifecycle_funnel",
        _("Lifecycle funnel"),
        _("How many reached each stage, how many moved on, and how long they stayed."),
        RETENTION,
        451,
    ),
]
for code, title, description, group, order in PAGES:
    report_register(
        ReportPage(
            code=code,
            title=title,
            description=description,
            url_name=f"analytics:{code}",
            group=group,
            order=order,
        )
    )
