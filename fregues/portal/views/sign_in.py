"""Signing in to the portal without a password (a link by e-mail, a code by SMS).

Thin: the rules (no enumeration, rate limits, one use, expiry) live in
``fregues.portal.services.sign_in``.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.http import urlencode
from django.views.decorators.http import require_http_methods

from fregues.core.errors import ServiceError

from ..auth import portal_session_of, set_portal_cookie
from ..models import PortalSession
from ..services.sign_in import (
    link_login_get,
    portal_sign_in_code_use,
    portal_sign_in_link_use,
    portal_sign_in_start,
    safe_next,
)


def client_ip(request: HttpRequest) -> str | None:
    """The sender's address as the server saw it (a proxy in front sets REMOTE_ADDR)."""
    return request.META.get("REMOTE_ADDR") or None


def with_party_language(response: HttpResponse, language: str) -> HttpResponse:
    """The portal speaks the language the customer chose in their data (when it has it)."""
    if language in {code for code, _label in settings.LANGUAGES}:
        response.set_cookie(settings.LANGUAGE_COOKIE_NAME, language, samesite="Lax")
    return response


def _signed_in(session: PortalSession, raw_key: str, next_url: str | None) -> HttpResponse:
    response = redirect(safe_next(next_url))
    set_portal_cookie(response, raw_key)
    return with_party_language(response, session.party.language)


@require_http_methods(["GET", "POST"])
def sign_in(request: HttpRequest) -> HttpResponse:
    """Type an e-mail or a phone; get a link or a code (the same answer for everyone)."""
    next_url = safe_next(request.POST.get("next") or request.GET.get("next"))
    if request.method == "GET" and portal_session_of(request) is not None:
        return redirect(next_url)
    context: dict = {"next": next_url, "address": "", "errors": {}}
    status = 200
    if request.method == "POST":
        context["address"] = request.POST.get("address", "")
        try:
            typed = portal_sign_in_start(
                address=context["address"], ip=client_ip(request), next_url=next_url
            )
        except ServiceError as exc:
            context["errors"] = exc.errors or {"address": [exc.message]}
            status = exc.status
        else:
            if typed.kind == "phone":
                query = urlencode({"address": typed.normalized, "next": next_url})
                return redirect(f"/portal/sign-in/code?{query}")
            context["sent_to"] = typed.display
            return render(request, "portal/sign_in_sent.html", context)
    return render(request, "portal/sign_in.html", context, status=status)


@require_http_methods(["GET", "POST"])
def sign_in_code(request: HttpRequest) -> HttpResponse:
    """Enter the six-digit code sent by SMS."""
    data = request.POST if request.method == "POST" else request.GET
    next_url = safe_next(data.get("next"))
    context: dict = {"next": next_url, "address": data.get("address", ""), "errors": {}}
    status = 200
    if request.method == "POST":
        try:
            session, raw = portal_sign_in_code_use(
                address=context["address"],
                code=request.POST.get("code", ""),
                ip=client_ip(request),
                user_agent=request.headers.get("User-Agent", ""),
            )
        except ServiceError as exc:
            context["errors"] = exc.errors or {"code": [exc.message]}
            status = exc.status
        else:
            return _signed_in(session, raw, next_url)
    return render(request, "portal/sign_in_code.html", context, status=status)


@require_http_methods(["GET", "POST"])
def sign_in_link(request: HttpRequest, token: str) -> HttpResponse:
    """The link in the e-mail. GET only shows a "Sign in" button (mail scanners that open
    links must not use it up); the POST signs in."""
    next_url = safe_next(request.POST.get("next") or request.GET.get("next"))
    if request.method == "POST":
        try:
            session, raw = portal_sign_in_link_use(
                raw=token,
                ip=client_ip(request),
                user_agent=request.headers.get("User-Agent", ""),
            )
        except ServiceError:
            return render(request, "portal/sign_in_link.html", {"valid": False}, status=400)
        return _signed_in(session, raw, next_url)
    valid = link_login_get(token) is not None
    return render(
        request,
        "portal/sign_in_link.html",
        {"valid": valid, "next": next_url},
        status=200 if valid else 400,
    )


urlpatterns: list[URLPattern] = [
    path("sign-in", sign_in, name="sign_in"),
    path("sign-in/", sign_in, name="sign_in_slash"),
    path("sign-in/code", sign_in_code, name="sign_in_code"),
    path("sign-in/link/<str:token>", sign_in_link, name="sign_in_link"),
]
