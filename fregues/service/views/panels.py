"""Panels the service app puts on other apps' pages (customer page, home)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.views.decorators.http import require_GET

from fregues.core.htmx import slot_register
from fregues.core.permissions import can
from fregues.core.views import service_http_errors
from fregues.parties.models import Party

from .. import ui_selectors
from ..selectors import cases as selectors

# ---------------------------------------------------------------- panels on other apps' pages


def party_open_cases(request: HttpRequest, party: Party) -> str | None:
    """The customer page's open cases (slot "party.open_work"): what every department sees."""
    user = request.user
    if not can(user, "case.view"):
        return None
    cases = selectors.open_cases_for_party(actor=user, party_id=party.pk)
    counts = ui_selectors.contact_counts([c.pk for c in cases])
    for case in cases:
        case.contact_count = counts.get(case.pk, 0)  # type: ignore[attr-defined]
    return render_to_string(
        "service/partials/party_cases.html",
        {
            "party": party,
            "cases": cases,
            "closed": ui_selectors.closed_case_count(actor=user, party_id=party.pk),
        },
        request=request,
    )


def home_my_work(request: HttpRequest, _obj: Any) -> str | None:
    """The home page's "my work" card for those who work cases. It loads itself over htmx
    right after the page, so the home page stays as quick as it was."""
    if not can(request.user, "case.change"):
        return None
    return render_to_string("service/partials/home_my_work_slot.html", request=request)


@login_required
@require_GET
@service_http_errors
def home_my_work_card(request: HttpRequest) -> HttpResponse:
    """The "my work" card's content: counts of my open cases and the next ones due."""
    summary = ui_selectors.my_work_summary(actor=request.user)
    return render(request, "service/partials/home_my_work.html", {"summary": summary})


slot_register("party.open_work", "service.open_cases", party_open_cases, order=10)
slot_register("home", "service.my_work", home_my_work, order=15)
