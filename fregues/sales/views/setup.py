"""The sales setup overview: where an administrator finds pipelines, products, price lists,
taxes, lifecycle rules and lead forms (each area's module owns its own setup screens)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, path, reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from fregues.core.permissions import require
from fregues.core.views import service_http_errors

# (code, URL name, icon, title, text), in the order an administrator sets sales up.
SECTIONS = [
    (
        "pipelines",
        "sales:setup_pipelines",
        "stage",
        _("Pipelines and stages"),
        _("The steps of each sales process, their win probability and when a deal rots."),
    ),
    (
        "close-reasons",
        "sales:setup_close_reasons",
        "filter",
        _("Won and lost reasons"),
        _("Why deals are won or lost, so the reasons can be counted."),
    ),
    (
        "products",
        "sales:products",
        "briefcase",
        _("Products"),
        _("What the company sells: SKU, unit, tax and cost."),
    ),
    (
        "price-lists",
        "sales:price_lists",
        "note",
        _("Price lists"),
        _("Prices per currency; one default list per currency."),
    ),
    (
        "tax-rates",
        "sales:tax_rates",
        "shield",
        _("Taxes"),
        _("Tax rates as data, copied onto each quote and order line."),
    ),
    (
        "lifecycle-rules",
        "sales:lifecycle_rules",
        "history",
        _("Lifecycle rules"),
        _("How orders, referrals and satisfaction move customers through their lifecycle."),
    ),
    (
        "lead-forms",
        "sales:lead_forms",
        "globe",
        _("Lead forms"),
        _("Public web forms that bring leads in, with their owner and pipeline."),
    ),
]


def sections() -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for code, name, icon, title, text in SECTIONS:
        try:
            url = reverse(name)
        except NoReverseMatch:  # an area not installed in this build
            continue
        out.append({"code": code, "url": url, "icon": icon, "title": title, "text": text})
    return out


@login_required
@require_GET
@service_http_errors
def setup(request: HttpRequest) -> HttpResponse:
    require(request.user, "sales.configure")
    return render(request, "sales/setup.html", {"sections": sections()})


urlpatterns = [path("sales/setup/", setup, name="setup")]
