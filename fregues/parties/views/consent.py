"""The customer page's consent card: where the customer stands on each purpose, the ledger
behind it, and grant / withdraw in one click (what the customer said, recorded by an agent).

The card loads itself right after the page (htmx), so the customer page stays as quick as it
was, and answers its own form posts with itself.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language
from django.views.decorators.http import require_GET, require_POST

from fregues.core.errors import ServiceError
from fregues.core.views import service_http_errors

from .. import selectors, services


def _card(request: HttpRequest, party_id: int, error: str = "", status: int = 200) -> HttpResponse:
    party = selectors.party_get(actor=request.user, party_id=party_id)
    context: dict[str, Any] = {
        "party": party,
        "states": selectors.consent_state(party_id=party.pk, language=get_language()),
        "history": selectors.consent_history(actor=request.user, party_id=party.pk, limit=30),
        "error": error,
    }
    return render(request, "parties/partials/consents.html", context, status=status)


@login_required
@require_GET
@service_http_errors
def consent_card(request: HttpRequest, party_id: int) -> HttpResponse:
    return _card(request, party_id)


@login_required
@require_POST
@service_http_errors
def consent_change(request: HttpRequest, party_id: int) -> HttpResponse:
    """Record what the customer just said: grant or withdraw one purpose (or one channel)."""
    try:
        services.consent_record(
            actor=request.user,
            party_id=party_id,
            purpose=request.POST.get("purpose", ""),
            channel=request.POST.get("channel", ""),
            granted=request.POST.get("granted") == "1",
            source="agent",
            note=request.POST.get("note", "")[:300],
        )
    except ServiceError as exc:
        if exc.status in (403, 404):
            raise
        messages = [m for ms in exc.errors.values() for m in ms] or [exc.message]
        return _card(request, party_id, error=" ".join(messages), status=422)
    return _card(request, party_id)
