"""Portal section "My consents": every purpose with its current state and history; grant or
withdraw in one click (HTMX swaps the purpose's card; without JavaScript the form posts and
the page comes back). A choice on a text that has changed since the page was shown is refused
(409) with the new text and a request to read it again."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from fregues.core.errors import Conflict, NotFound, ServiceError
from fregues.core.htmx import is_htmx

from ..auth import portal_required
from ..selectors.consents import portal_consent_get, portal_consents
from ..services.consents import portal_consent_set


def _party(request: HttpRequest) -> Any:
    return request.portal_party  # type: ignore[attr-defined]


@portal_required
def consents(request: HttpRequest) -> HttpResponse:
    rows = portal_consents(party=_party(request), language=translation.get_language())
    return render(request, "portal/consents.html", {"rows": rows})


@require_POST
@portal_required
def consent_set(request: HttpRequest, purpose: str) -> HttpResponse:
    party = _party(request)
    language = translation.get_language()
    granted = request.POST.get("granted") == "1"
    notice, level, status = "", "success", 200
    try:
        portal_consent_set(
            actor=f"portal:{party.pk}",
            party=party,
            purpose=purpose,
            granted=granted,
            text_version=request.POST.get("text_version", ""),
            language=language,
        )
    except NotFound as exc:
        raise Http404(exc.message) from exc
    except Conflict as exc:
        notice, level, status = exc.message, "error", 409
    except ServiceError as exc:
        notice, level, status = exc.message, "error", exc.status
    else:
        notice = _("Saved: you allow this.") if granted else _("Saved: you do not allow this.")
    if is_htmx(request):
        row = portal_consent_get(party=party, purpose=purpose, language=language)
        return render(
            request,
            "portal/partials/consent_purpose.html",
            {"row": row, "notice": notice, "level": level},
            status=status,
        )
    if status != 200:
        rows = portal_consents(party=party, language=language)
        return render(
            request,
            "portal/consents.html",
            {"rows": rows, "stale": purpose, "notice": notice, "level": level},
            status=status,
        )
    messages.success(request, notice)
    return redirect("portal:consents")


urlpatterns: list[URLPattern] = [
    path("consents/", consents, name="consents"),
    path("consents/<slug:purpose>", consent_set, name="consent_set"),
]
