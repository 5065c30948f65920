"""How a request proves it comes from a signed-in customer.

The portal cookie (``settings.PORTAL_COOKIE_NAME``) carries a random session key; it is not
Django's session cookie, so staff sign-in and portal sign-in never mix. Views use
``@portal_required`` and read ``request.portal_party``; API operations use ``portal_auth``
(``request.auth`` is the ``PortalSession``).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from ninja.security import APIKeyCookie

from .models import PortalSession
from .selectors import portal_session_get


def portal_session_of(request: HttpRequest) -> PortalSession | None:
    if hasattr(request, "_portal_session"):
        cached: PortalSession | None = request._portal_session
        return cached
    session = portal_session_get(request.COOKIES.get(settings.PORTAL_COOKIE_NAME, ""))
    request._portal_session = session  # type: ignore[attr-defined]
    return session


def portal_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Only a signed-in customer gets through; anyone else goes to the sign-in page (and
    comes back to where they were going)."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        session = portal_session_of(request)
        if session is None:
            return redirect(f"{reverse('portal:sign_in')}?next={request.get_full_path()}")
        request.portal_session = session  # type: ignore[attr-defined]
        request.portal_party = session.party  # type: ignore[attr-defined]
        return view(request, *args, **kwargs)

    return wrapper


def set_portal_cookie(response: HttpResponse, raw_key: str) -> None:
    response.set_cookie(
        settings.PORTAL_COOKIE_NAME,
        raw_key,
        max_age=settings.PORTAL_SESSION_DAYS * 86400,
        httponly=True,
        secure=settings.SESSION_COOKIE_SECURE,
        samesite="Lax",
    )


def clear_portal_cookie(response: HttpResponse) -> None:
    response.delete_cookie(settings.PORTAL_COOKIE_NAME, samesite="Lax")


class PortalCookieAuth(APIKeyCookie):
    """API auth for /api/v1/portal: the portal cookie, nothing else (no staff token)."""

    param_name = "fregues_portal"
    openapi_description = "The customer's portal session (cookie set by the portal sign-in)."

    def __init__(self) -> None:
        super().__init__(csrf=True)
        self.param_name = settings.PORTAL_COOKIE_NAME

    def authenticate(self, request: HttpRequest, key: str | None) -> PortalSession | None:
        session = portal_session_of(request)
        if session is not None:
            request.portal_party = session.party  # type: ignore[attr-defined]
        return session


portal_auth = PortalCookieAuth()
