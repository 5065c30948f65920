"""How the HTTP API knows who is calling: a bearer token, or the UI's session (with CSRF)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.security import HttpBearer, SessionAuth

from fregues.core.errors import Throttled

from .services import token_authenticate
from .tokens import recent_tokens


class BearerToken(HttpBearer):
    """A bearer token; an address that sent too many wrong tokens in the window is answered
    429 for the rest of it (guessing tokens must not be free)."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        recent = recent_tokens.get(token)
        if recent is not None:
            request.user = recent
            return recent
        key = f"api-token-failures:{request.META.get('REMOTE_ADDR', '')}"
        if (cache.get(key) or 0) >= settings.TOKEN_FAILURE_LIMIT:
            raise Throttled(_("Too many wrong API tokens from this address; try again later."))
        user = token_authenticate(token)
        if user is None:
            try:
                cache.incr(key)
            except ValueError:  # the first failure of the window
                cache.set(key, 1, settings.TOKEN_FAILURE_WINDOW_SECONDS)
            return None
        recent_tokens.put(token, user)
        request.user = user
        return user


api_auth = [BearerToken(), SessionAuth()]
