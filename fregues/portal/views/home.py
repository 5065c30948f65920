"""The portal's home and signing out. Sign-in lives in ``sign_in``."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.views.decorators.http import require_POST

from ..auth import clear_portal_cookie, portal_required
from ..services import portal_session_end


@portal_required
def home(request: HttpRequest) -> HttpResponse:
    """Where the customer lands: who they are and what they can do here."""
    return render(request, "portal/home.html", {"party": request.portal_party})  # type: ignore[attr-defined]


@require_POST
@portal_required
def sign_out(request: HttpRequest) -> HttpResponse:
    portal_session_end(session=request.portal_session)  # type: ignore[attr-defined]
    response = redirect("portal:sign_in")
    clear_portal_cookie(response)
    return response


urlpatterns: list[URLPattern] = [
    path("", home, name="home"),
    path("sign-out", sign_out, name="sign_out"),
]
