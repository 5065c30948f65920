"""Panels the activities area puts on other pages through slots (fregues.core.htmx): the
customer page's deals panel, the deal page's activities, the home page's "my day" card."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from fregues.core.htmx import slot_panels, slot_register
from fregues.core.permissions import can
from fregues.core.permissions import role_of as _role_of
from fregues.core.views import service_http_errors
from fregues.parties.models import Party

from ..forms.activities import KIND_ICONS
from ..selectors.activities import (
    is_overdue,
    my_day,
    opportunity_activities,
    party_upcoming_activities,
)
from ..selectors.briefing import open_opportunities, open_quotes

# The deal page, as the pipeline area names it (looked up lazily: it lands in parallel).
DEAL_URL_NAMES = ("sales:opportunity", "sales:opportunity_detail")
QUOTE_URL_NAMES = ("sales:quote", "sales:quote_detail")
ORDER_URL_NAMES = ("sales:order", "sales:order_detail")
INVOICE_URL_NAMES = ("sales:invoice", "sales:invoice_detail")
QUOTES_PANEL = "sales.quotes"  # the quotes area's own panel on the customer page


def maybe_url(names: str | tuple[str, ...], *args: Any, query: str = "") -> str | None:
    """The address of the first of ``names`` that exists in this build, or None."""
    for name in (names,) if isinstance(names, str) else names:
        try:
            return reverse(name, args=args or None) + (f"?{query}" if query else "")
        except NoReverseMatch:
            continue
    return None


def decorate(activities: list[Any]) -> list[Any]:
    """Give each activity what its row shows: overdue or not, its briefing."""
    now = timezone.now()
    for activity in activities:
        activity.is_overdue = is_overdue(activity, now)
        activity.deal_url = (
            maybe_url(DEAL_URL_NAMES, activity.opportunity_id) if activity.opportunity_id else None
        )
    return activities


def party_deals(request: Any, party: Party) -> str | None:
    """The customer page's deals panel (slot "party.open_work"): open deals, open quotes, the
    next activities, and the buttons to add a deal or plan a visit. Not for marketing."""
    user = request.user
    if not can(user, "deal.view"):
        return None
    deals = open_opportunities(party.pk)
    for deal in deals:
        deal.url = maybe_url(DEAL_URL_NAMES, deal.pk)  # type: ignore[attr-defined]
    # the quotes area may show the customer's quotes in a panel of its own: not twice
    quotes_elsewhere = any(p.name == QUOTES_PANEL for p in slot_panels("party.open_work"))
    quotes = [] if quotes_elsewhere else open_quotes(party.pk)
    for quote in quotes:
        quote.url = maybe_url(QUOTE_URL_NAMES, quote.pk)  # type: ignore[attr-defined]
    upcoming = (
        decorate(party_upcoming_activities(actor=user, party_id=party.pk, limit=5))
        if can(user, "activity.view")
        else []
    )
    return render_to_string(
        "sales/activities/partials/party_deals.html",
        {
            "party": party,
            "deals": deals,
            "quotes": quotes,
            "upcoming": upcoming,
            "today": timezone.localdate(),
            "new_deal_url": maybe_url("sales:opportunity_create", query=f"party={party.pk}")
            if can(user, "deal.change")
            else None,
            "plan_visit_url": reverse("sales:activity_create") + f"?party={party.pk}&kind=visit"
            if can(user, "activity.change")
            else None,
        },
        request=request,
    )


def deal_activities(request: Any, deal: Any) -> str | None:
    """The deal page's activities (slot "opportunity.side"): planned ones with their actions,
    the last done ones, and the buttons to add one or plan a visit."""
    user = request.user
    if not can(user, "activity.view"):
        return None
    planned, done = opportunity_activities(actor=user, opportunity_id=deal.pk)
    add = reverse("sales:activity_create") + f"?opportunity={deal.pk}"
    return render_to_string(
        "sales/activities/partials/deal_activities.html",
        {
            "deal": deal,
            "kind_icons": KIND_ICONS,
            "planned": decorate(planned),
            "done": done,
            "add_url": add if can(user, "activity.change") else None,
            "next": request.get_full_path(),
        },
        request=request,
    )


def home_my_day(request: Any, _obj: Any) -> str | None:
    """The home page's "my activities" card. It loads itself over htmx right after the page
    (the home page keeps its query count); for others than salespeople it stays out of sight
    unless something is overdue or due today."""
    user = request.user
    if not can(user, "activity.view"):
        return None
    return render_to_string(
        "sales/activities/partials/home_card_slot.html",
        {"quiet": _role_of(user) != "sales"},
        request=request,
    )


@login_required
@require_GET
@service_http_errors
def home_my_day_card(request: HttpRequest) -> HttpResponse:
    """The card's content (htmx): overdue and today's activities of the signed-in user;
    nothing at all for a non-salesperson with nothing due."""
    user = request.user
    day = my_day(actor=user)
    if _role_of(user) != "sales" and not (day.overdue_count or day.today):
        return HttpResponse("")
    decorate(day.overdue)
    decorate(day.today)
    return HttpResponse(
        render_to_string("sales/activities/partials/home_card.html", {"day": day}, request=request)
    )


slot_register("party.open_work", "sales.deals", party_deals, order=20)
slot_register("opportunity.side", "sales.activities", deal_activities, order=10)
slot_register("home", "sales.my_activities", home_my_day, order=12)
