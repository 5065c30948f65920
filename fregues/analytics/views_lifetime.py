"""Screens /analytics/value/ and /analytics/churn/: lifetime value and the customers most at
risk, with the same selectors (and the same filter cleaning) as the API."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from fregues.core.errors import Invalid
from fregues.core.permissions import require
from fregues.core.views import service_http_errors
from fregues.parties.models import LifecycleStage

from . import churn
from .reports import ReportPage, report_register
from .selectors.lifetime import churn_filters_clean, churn_list, value_report

GROUP = gettext_lazy("Customers and value")

report_register(
    ReportPage(
        code="value",
        title=gettext_lazy("Lifetime value"),
        description=gettext_lazy(
            "What the customer base is expected to bring, by decile, RFM segment and stage."
        ),
        url_name="analytics:value",
        group=GROUP,
        permission="analytics.view",
        order=30,
    )
)
report_register(
    ReportPage(
        code="churn",
        title=gettext_lazy("Churn risk"),
        description=gettext_lazy("The customers most likely to leave, and why."),
        url_name="analytics:churn",
        group=GROUP,
        permission="analytics.drill",
        order=31,
    )
)


def reason_text(reason: dict[str, Any]) -> str:
    """One churn reason as a sentence in the reader's language (the API keeps the code)."""
    code = reason.get("code")
    if code == churn.DROPOUT:
        return _("Buying rhythm says they may have left (P(alive) %(p)s %%)") % {
            "p": round(100 * float(reason.get("p_alive", 0)))
        }
    if code == churn.OPEN_COMPLAINT:
        return _("Open complaint (%(n)s)") % {"n": reason.get("cases", 1)}
    if code == churn.SATISFACTION_FALLING:
        if "before" in reason:
            return _("Satisfaction fell to %(last)s (was %(before)s)") % reason
        return _("Low satisfaction (%(last)s)") % reason
    if code == churn.UNRESOLVED_CASES:
        return _("%(cases)s unresolved case(s), oldest %(oldest_days)s days") % reason
    if code == churn.OVERDUE:
        return _("No order for %(days)s days (usually every %(usual_days)s)") % reason
    if code == churn.INACTIVE:
        return _("Lifecycle moved to inactive")
    return str(code)


@login_required
@require_GET
@service_http_errors
def value(request: HttpRequest) -> HttpResponse:
    report = value_report(actor=request.user)
    stages = dict(LifecycleStage.choices)
    for row in report["by_lifecycle"]:
        row["label"] = stages.get(row["group"], row["group"] or _("unknown"))
    for row in report["by_segment"]:
        row["label"] = row["group"] or _("not scored")
    return render(request, "analytics/value.html", {"report": report})


@login_required
@require_GET
@service_http_errors
def churn_view(request: HttpRequest) -> HttpResponse:
    require(request.user, "analytics.drill")
    errors: dict[str, list[str]] = {}
    try:
        filters = churn_filters_clean(
            owner_id=request.GET.get("owner_id"),
            lifecycle_stage=request.GET.get("lifecycle_stage"),
            min_risk=request.GET.get("min_risk"),
        )
    except Invalid as exc:
        errors = exc.errors or {}
        filters = {"owner_id": None, "lifecycle_stage": "", "min_risk": None}
    try:
        offset = max(0, int(request.GET.get("offset", 0)))
    except ValueError:
        offset = 0
    page = churn_list(actor=request.user, limit=50, offset=offset, **filters)
    for item in page["items"]:
        item["reason_texts"] = [reason_text(r) for r in item["reasons"]]
        item["risk_percent"] = round(100 * item["churn_risk"])
    query = request.GET.copy()
    query.pop("offset", None)
    return render(
        request,
        "analytics/churn.html",
        {
            "page": page,
            "filters": filters,
            "errors": errors,
            "raw": request.GET,
            "stages": LifecycleStage.choices,
            "query": query.urlencode(),
            "status": 422 if errors else 200,
        },
        status=422 if errors else 200,
    )


urlpatterns: list[URLPattern] = [
    path("value/", value, name="value"),
    path("churn/", churn_view, name="churn"),
]
