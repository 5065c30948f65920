"""Staff screens of "Customer feedback": what customers sent from the portal — suggestions and
customisation requests — newest first, each linked to its customer. Staff sign-in, not the
portal's; reading needs ``interaction.view_body`` (403 otherwise)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.views.decorators.http import require_GET

from fregues.core.views import service_http_errors

from ..selectors.feedback import customisation_list, suggestion_list

PAGE = 100


@login_required
@require_GET
@service_http_errors
def suggestions(request: HttpRequest) -> HttpResponse:
    q = (request.GET.get("q") or "").strip()[:100]
    rows = list(suggestion_list(actor=request.user, q=q)[:PAGE])
    return render(
        request, "portal/staff/feedback.html", {"tab": "suggestions", "rows": rows, "q": q}
    )


@login_required
@require_GET
@service_http_errors
def customisations(request: HttpRequest) -> HttpResponse:
    rows = list(customisation_list(actor=request.user)[:PAGE])
    return render(request, "portal/staff/feedback.html", {"tab": "customisations", "rows": rows})


urlpatterns: list[URLPattern] = [
    path("staff/suggestions/", suggestions, name="staff_suggestions"),
    path("staff/customisations/", customisations, name="staff_customisations"),
]
