"""The visit briefing screens: ``/sales/briefing/<party>/`` and, for a planned visit,
``/sales/activities/<id>/briefing/`` (the same page with the visit's time and place on top).
One page for the screen, the phone and paper (its print stylesheet drops the buttons)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from fregues.core.errors import NotFound
from fregues.core.permissions import can
from fregues.core.views import service_http_errors

from ..selectors.briefing import Briefing, party_briefing, require_briefing, visit_for_briefing
from .activity_panels import (
    DEAL_URL_NAMES,
    INVOICE_URL_NAMES,
    ORDER_URL_NAMES,
    QUOTE_URL_NAMES,
    decorate,
    maybe_url,
)


def _context(request: HttpRequest, briefing: Briefing) -> dict[str, Any]:
    user = request.user
    party = briefing.party
    for deal in briefing.opportunities:
        deal.url = maybe_url(DEAL_URL_NAMES, deal.pk)  # type: ignore[attr-defined]
    for quote in briefing.quotes:
        quote.url = maybe_url(QUOTE_URL_NAMES, quote.pk)  # type: ignore[attr-defined]
    for order in briefing.orders:
        order.url = maybe_url(ORDER_URL_NAMES, order.pk)  # type: ignore[attr-defined]
    for item in briefing.invoices:
        item.url = maybe_url(INVOICE_URL_NAMES, item.invoice.pk)  # type: ignore[attr-defined]
    decorate(briefing.upcoming)
    if briefing.visit is not None:
        decorate([briefing.visit])
    case_url = reverse("service:create") + f"?party={party.pk}"
    if briefing.visit is not None:
        case_url += "&channel=visit"
    return {
        "b": briefing,
        "party": party,
        "visit": briefing.visit,
        "open_case_url": case_url if can(user, "case.create") else None,
        "plan_visit_url": reverse("sales:activity_create") + f"?party={party.pk}&kind=visit"
        if can(user, "activity.change")
        else None,
        "address": next((p for p in briefing.contact_points if p.kind == "address"), None),
        "points": [p for p in briefing.contact_points if p.kind != "address"],
        "other_notes": [n for n in briefing.notes if not n.before_visit],
    }


@login_required
@require_GET
@service_http_errors
def briefing(request: HttpRequest, party_id: int) -> HttpResponse:
    """Everything open with a customer, before meeting them."""
    try:
        found = party_briefing(actor=request.user, party_id=party_id)
    except NotFound as exc:
        if exc.code != "merged":
            raise
        messages.info(request, _("Customer %(id)s was merged into this one.") % {"id": party_id})
        return redirect("sales:briefing", exc.details["merged_into"])
    return render(request, "sales/briefing/briefing.html", _context(request, found))


@login_required
@require_GET
@service_http_errors
def activity_briefing(request: HttpRequest, activity_id: int) -> HttpResponse:
    """The briefing of a planned visit (or meeting, or call) with its time and place on top."""
    require_briefing(request.user)
    visit = visit_for_briefing(actor=request.user, activity_id=activity_id)
    assert visit.party_id is not None
    found = party_briefing(actor=request.user, party_id=visit.party_id, visit=visit)
    return render(request, "sales/briefing/briefing.html", _context(request, found))
