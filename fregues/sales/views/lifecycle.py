"""The lifecycle rules setup screen (``sales:lifecycle_rules``) and the customer page's revenue
panel (slot "party.open_work", "sales.revenue")."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from fregues.core.errors import ServiceError
from fregues.core.htmx import is_htmx, slot_register
from fregues.core.permissions import can, require
from fregues.core.regarding import regarding_register
from fregues.core.views import service_http_errors
from fregues.parties.models import Party
from fregues.service.models import Case

from ..forms.lifecycle import LifecycleRuleForm
from ..models import Lead, Order
from ..selectors.lifecycle import lifecycle_rule_get, lifecycle_rule_list
from ..selectors.revenue import party_revenue
from ..services.common import LEAD_REGARDING, ORDER_REGARDING
from ..services.lifecycle_rules import CASE_REGARDING, lifecycle_rule_update

LAST_ORDERS = 5


def _url(name: str, *args: Any) -> str | None:
    """The address of a screen another area may or may not have built yet."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def _page(
    request: HttpRequest, forms: dict[int, LifecycleRuleForm] | None = None, status: int = 200
) -> HttpResponse:
    rules = lifecycle_rule_list(actor=request.user)
    rows = [(rule, (forms or {}).get(rule.pk) or LifecycleRuleForm(rule=rule)) for rule in rules]
    return render(request, "sales/lifecycle/rules.html", {"rows": rows}, status=status)


@login_required
@require_GET
@service_http_errors
def lifecycle_rules(request: HttpRequest) -> HttpResponse:
    """The rules that move customers through their lifecycle, one card each."""
    require(request.user, "sales.configure")
    return _page(request)


@login_required
@require_POST
@service_http_errors
def lifecycle_rule_save(request: HttpRequest, rule_id: int) -> HttpResponse:
    require(request.user, "sales.configure")
    rule = lifecycle_rule_get(actor=request.user, rule_id=rule_id)
    form = LifecycleRuleForm(request.POST, rule=rule)
    if form.is_valid():
        try:
            lifecycle_rule_update(actor=request.user, rule_id=rule_id, data=form.service_data())
        except ServiceError as exc:
            form.add_service_error(exc)
        else:
            messages.success(
                request,
                _("Saved. Customers move by the new rule at their next order, at the daily sweep "
                  "or when you run the backfill."),
            )  # fmt: skip
            if is_htmx(request):
                return _page(request)
            return redirect("sales:lifecycle_rules")
    return _page(request, forms={rule_id: form}, status=form.status if form.status >= 400 else 422)


# ------------------------------------------------------------------ the customer page's panel


def party_revenue_panel(request: HttpRequest, party: Party) -> str | None:
    """Revenue per customer on the customer page: totals per currency, last order, average
    ticket, margin, what is owed, the latest orders. Not shown to marketing (amounts only in
    aggregate) nor for a customer who never bought."""
    if not can(request.user, "deal.view"):
        return None
    revenue = party_revenue(
        actor=request.user, party_id=party.pk, last_orders=LAST_ORDERS, party=party
    )
    if not revenue.has_business:
        return None
    for row in revenue.last_orders:
        row["url"] = _url("sales:order", row["id"])
        row["revenue"] = row["total"] - row["tax_total"]
    return render_to_string(
        "sales/lifecycle/revenue_panel.html",
        {
            "party": party,
            "revenue": revenue,
            "orders_url": _url("sales:orders"),
        },
        request=request,
    )


slot_register("party.open_work", "sales.revenue", party_revenue_panel, order=30)


# ----------------------------------------- what a lifecycle move (or a contact) names as cause


def _orders(ids: list[int]) -> dict[int, tuple[str, str | None]]:
    return {
        pk: (_("order %(number)s") % {"number": number}, _url("sales:order", pk))
        for pk, number in Order.objects.filter(pk__in=ids).values_list("pk", "number")
    }


def _leads(ids: list[int]) -> dict[int, tuple[str, str | None]]:
    return {
        pk: (_("lead %(name)s") % {"name": name}, _url("sales:lead", pk))
        for pk, name in Lead.objects.filter(pk__in=ids).values_list("pk", "name")
    }


def _cases(ids: list[int]) -> dict[int, tuple[str, str | None]]:
    return {
        pk: (_("case %(protocol)s") % {"protocol": protocol}, _url("service:detail", protocol))
        for pk, protocol in Case.objects.filter(pk__in=ids).values_list("pk", "protocol")
    }


regarding_register(ORDER_REGARDING, _orders)
regarding_register(LEAD_REGARDING, _leads)
# the service app names its cases nowhere else yet; sales needs it for satisfaction moves
regarding_register(CASE_REGARDING, _cases)


urlpatterns = [
    path("sales/setup/lifecycle-rules/", lifecycle_rules, name="lifecycle_rules"),
    path(
        "sales/setup/lifecycle-rules/<int:rule_id>/",
        lifecycle_rule_save,
        name="lifecycle_rule_save",
    ),
]
