"""The second step of the staff sign-in: a signed-in user who has a TOTP device (or must have
one, with ``FREGUES_REQUIRE_TOTP=1``) reaches nothing but the code page until the session is
verified (fregues/accounts/two_step.py). API requests pass through: bearer tokens are not
concerned, and the API's session authentication asks the same question itself (auth.py)."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from . import two_step

# Reachable before the second step: the code pages themselves, signing out, the language
# switch, static files, the API (which answers 401 itself) and the customers' pages.
OPEN_PREFIXES = ("/accounts/", "/i18n/", "/static/", "/api/", "/portal/", "/track/")


class TwoStepMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        owed = None
        if not request.path.startswith(OPEN_PREFIXES) and hasattr(request, "user"):
            owed = two_step.second_step(request)
        if owed is None:
            return self.get_response(request)
        target = reverse("accounts:two_step_verify" if owed == "verify" else "accounts:two_step")
        return HttpResponseRedirect(f"{target}?{urlencode({'next': request.get_full_path()})}")
