"""Shared screens and view helpers: the home page (a shell other apps fill) and error mapping."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render

from .errors import Forbidden, NotFound

_Response = TypeVar("_Response", bound=HttpResponseBase)


def service_http_errors(view: Callable[..., _Response]) -> Callable[..., _Response]:
    """Answer a service's NotFound with a 404 page and Forbidden with a 403 page.

    Views catch the errors a user can fix (Invalid, Conflict) themselves and show them in the
    form; these two have no form to go back to.
    """

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> _Response:
        try:
            return view(request, *args, **kwargs)
        except NotFound as exc:
            raise Http404(exc.message) from exc
        except Forbidden as exc:
            raise PermissionDenied(exc.message) from exc

    return wrapper


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The start page: the search box and the panels apps register in the "home" slot."""
    return render(request, "core/home.html", {"autofocus_search": True})
