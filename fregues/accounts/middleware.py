"""The second step of the staff sign-in: a signed-in user who has a TOTP device (or must have
one, with ``FREGUES_REQUIRE_TOTP=1``) reaches nothing but the code page until the session is
verified (fregues/accounts/two_step.py). API requests authenticate with bearer tokens, not
with the session, and pass through untouched."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from . import two_step

# Reachable before the second step: the code pages themselves, signing out, the language
# switch, static files and the API (bearer tokens).
OPEN_PREFIXES = ("/accounts/", "/i18n/", "/static/", "/api/", "/portal/", "/track/")


class TwoStepMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not request.path.startswith(OPEN_PREFIXES)
            and not user.is_verified()  # type: ignore[union-attr]
        ):
            has_device = request.session.get(two_step.SESSION_HAS_DEVICE)
            if has_device is None:
                has_device = two_step.remember_device(request)
            if has_device:
                target = reverse("accounts:two_step_verify")
            elif two_step.required():
                target = reverse("accounts:two_step")
            else:
                return self.get_response(request)
            return HttpResponseRedirect(f"{target}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)
