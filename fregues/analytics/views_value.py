"""Screens of the customers-and-value reports under /analytics/: RFM, profitability, the
unprofitable customers, the costs (admins edit them), and the scores panel on the customer
page (loaded over htmx after the page, so the page keeps its query count)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from fregues.core.errors import Invalid, NotFound
from fregues.core.htmx import slot_register
from fregues.core.permissions import can, require
from fregues.core.views import service_http_errors
from fregues.interactions.models import Channel
from fregues.service.models import Queue

from .reports import ReportPage, report_register
from .selectors.costs import costs_list
from .selectors.value import party_scores, profitability_report, rfm_report, unprofitable_list
from .services.costs import channel_cost_set, cost_delete, exchange_rate_set, queue_cost_set
from .value_scores import MEASURE_LABELS

GROUP = gettext_lazy("Customers and value")


@login_required
@require_GET
@service_http_errors
def rfm(request: HttpRequest) -> HttpResponse:
    report = rfm_report(actor=request.user)
    rows = [report["grid"][i : i + 5] for i in range(0, 25, 5)]
    return render(request, "analytics/value/rfm.html", {"report": report, "rows": rows})


@login_required
@require_GET
@service_http_errors
def profitability(request: HttpRequest) -> HttpResponse:
    report = profitability_report(actor=request.user)
    return render(
        request,
        "analytics/value/profitability.html",
        {"report": report, "may_drill": can(request.user, "analytics.drill")},
    )


@login_required
@require_GET
@service_http_errors
def unprofitable(request: HttpRequest) -> HttpResponse:
    measure = request.GET.get("measure", "")
    try:
        page = max(int(request.GET.get("page", "1")), 1)
    except ValueError:
        page = 1
    try:
        result = unprofitable_list(actor=request.user, measure=measure, page=page)
        error = ""
    except Invalid as exc:
        result, error = None, exc.message
    return render(
        request,
        "analytics/value/unprofitable.html",
        {
            "result": result,
            "error": error,
            "measure": measure,
            "measures": [(code, str(label)) for code, label in MEASURE_LABELS.items()],
        },
        status=422 if error else 200,
    )


def _costs_page(
    request: HttpRequest, errors: dict[str, list[str]] | None = None, form: str = ""
) -> HttpResponse:
    return render(
        request,
        "analytics/value/costs.html",
        {
            "costs": costs_list(actor=request.user),
            "may_edit": can(request.user, "analytics.configure"),
            "errors": errors or {},
            "form": form,
            "values": request.POST if errors else {},
            "channels": Channel.choices,
            "queues": Queue.objects.order_by("code").values_list("code", "name"),
        },
        status=422 if errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
@service_http_errors
def costs(request: HttpRequest) -> HttpResponse:
    """The costs screen; admins add or change a row (``form``: channel, queue, rate)."""
    if request.method == "GET":
        return _costs_page(request)
    require(request.user, "analytics.configure")
    form = request.POST.get("form", "")
    data = request.POST
    try:
        if form == "channel":
            channel_cost_set(
                actor=request.user,
                channel=data.get("channel", ""),
                direction=data.get("direction", ""),
                cost_per_contact=data.get("cost_per_contact"),
                currency=data.get("currency"),
            )
        elif form == "queue":
            queue_cost_set(
                actor=request.user,
                queue=data.get("queue") or None,
                hourly_cost=data.get("hourly_cost"),
                currency=data.get("currency"),
                default_handling_minutes=data.get("default_handling_minutes") or 0,
            )
        elif form == "rate":
            exchange_rate_set(
                actor=request.user,
                currency=data.get("currency"),
                rate=data.get("rate"),
                valid_from=data.get("valid_from", ""),
            )
        else:
            raise Invalid.field("form", _("Unknown form."))
    except Invalid as exc:
        return _costs_page(request, exc.errors or {"form": [exc.message]}, form)
    messages.success(request, _("Saved. The next refresh recomputes every customer's figures."))
    return redirect("analytics:costs")


@login_required
@require_POST
@service_http_errors
def cost_remove(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    cost_delete(actor=request.user, kind=kind, pk=pk)
    messages.success(request, _("Deleted."))
    return redirect("analytics:costs")


@login_required
@require_GET
@service_http_errors
def scores_panel(request: HttpRequest, party_id: int) -> HttpResponse:
    """The scores card's content (htmx): nothing for those who may not see one customer's
    value."""
    if not can(request.user, "analytics.customer_value"):
        return HttpResponse("")
    try:
        scores = party_scores(actor=request.user, party_id=party_id)
    except NotFound:
        return HttpResponse("")
    return HttpResponse(
        render_to_string(
            "analytics/value/scores_panel.html",
            {"scores": scores, "party_id": party_id},
            request=request,
        )
    )


def party_scores_slot(request: HttpRequest, party: Any) -> str | None:
    """The customer page's placeholder: it loads the panel after the page, no query here."""
    if not can(request.user, "analytics.customer_value"):
        return None
    return render_to_string(
        "analytics/value/scores_slot.html", {"party_id": party.pk}, request=request
    )


slot_register("party.side", "analytics.scores", party_scores_slot, order=80)

for _page in (
    ReportPage(
        "rfm",
        gettext_lazy("RFM segments"),
        gettext_lazy("Recency × frequency grid and the named segments of the buyers."),
        "analytics:rfm",
        GROUP,
        order=20,
    ),
    ReportPage(
        "profitability",
        gettext_lazy("Profitability"),
        gettext_lazy("Quadrants of value × cost to serve, and profit by decile."),
        "analytics:profitability",
        GROUP,
        order=21,
    ),
    ReportPage(
        "unprofitable",
        gettext_lazy("Unprofitable customers"),
        gettext_lazy("Who costs more than they bring, and why (fix, order pattern, price)."),
        "analytics:unprofitable",
        GROUP,
        permission="analytics.drill",
        order=22,
    ),
    ReportPage(
        "costs",
        gettext_lazy("Costs and exchange rates"),
        gettext_lazy("What a contact, an hour of handling and a foreign currency are worth."),
        "analytics:costs",
        GROUP,
        order=29,
    ),
):
    report_register(_page)

urlpatterns: list[URLPattern] = [
    path("rfm/", rfm, name="rfm"),
    path("profitability/", profitability, name="profitability"),
    path("profitability/unprofitable/", unprofitable, name="unprofitable"),
    path("costs/", costs, name="costs"),
    path("costs/<str:kind>/<int:pk>/delete/", cost_remove, name="cost_delete"),
    path("customers/<int:party_id>/scores/", scores_panel, name="scores_panel"),
]
